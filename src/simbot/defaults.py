"""The defaults commands need before (or without) reading the settings.

``simbot ask`` with nothing configured skips pydantic-settings (a sixth of a second of its
start-up), so what it assumes lives here, cheap to import; ``Settings`` takes the same values
from here, so the two cannot drift apart.
"""

from pathlib import Path

#: Folder of article files (``SIMBOT_SEEDS_DIR``).
SEEDS_DIR = Path("seeds")
#: Folder of the built index (``SIMBOT_INDEX_DIR``).
INDEX_DIR = Path("index")
#: Where Docker and Kubernetes mount secrets files (one file per setting, named like the variable).
SECRETS_DIR = Path("/run/secrets")
