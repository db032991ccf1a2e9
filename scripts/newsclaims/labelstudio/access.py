"""How a Label Studio server is reached: the variables that name it and its token, and how long an answer may take.

Apart from :mod:`.sync` so that the command line can describe its options without importing
label-studio-sdk, which takes about 0.4 s.
"""

from pathlib import Path

URL_VARIABLE = "LABEL_STUDIO_URL"
KEY_VARIABLE = "LABEL_STUDIO_API_KEY"
TIMEOUT_SECONDS = 60.0
ACCESS_FILE = "access.json"
DEFAULT_ACCESS_PATH = Path(".labelstudio") / ACCESS_FILE
"""Where ``newsclaims studio`` keeps the URL and a personal access token (its default home)."""
