"""simbot: answers about the SIM scheme and the StopSIM campaign, in the articles' own words."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("simbot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
