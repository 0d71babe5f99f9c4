"""Words the maintainers write (never the articles'), shared by the front ends.

Kept apart from ``settings`` so that ``simbot ask`` can render without loading pydantic-settings.
"""

#: Put before anything the maintainers wrote, so that nobody takes it for the articles' words.
NOT_FROM_THE_ARTICLES = "Not from the articles: a note from the people who run this bot."

#: Given instead of quotes when a question asks for advice on the asker's own situation.
DEFAULT_ADVICE_MESSAGE = (
    "The articles report on SIM; they can't advise you on your own situation. For advice about "
    "your care, speak to your GP or care coordinator. In England, the Patient Advice and Liaison "
    "Service (PALS) of your NHS trust helps with questions and complaints about NHS care."
)
