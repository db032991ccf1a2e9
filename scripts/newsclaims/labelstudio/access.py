"""How a Label Studio server is reached: the variables that name it and its token, and how long an answer may take.

Apart from :mod:`.sync` so that the command line can describe its options without importing
label-studio-sdk, which takes about 0.4 s.
"""

URL_VARIABLE = "LABEL_STUDIO_URL"
KEY_VARIABLE = "LABEL_STUDIO_API_KEY"
TIMEOUT_SECONDS = 60.0
