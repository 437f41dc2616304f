"""Settings for the test suite: the normal settings with CASEWAY_ENV=test.

Kept separate so that running pytest never needs an environment variable, while the normal
settings still fail closed (production) when nothing is set.
"""

import os

os.environ["CASEWAY_ENV"] = "test"

from caseway.settings import *  # noqa: F403

# Fast password hashing in tests only; production keeps argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite never collects static files; WhiteNoise then has no root to look at.
STATIC_ROOT = None  # type: ignore[assignment]

# Uploaded files of the suite go to their own directory, never next to real ones.
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F405
CASEWAY_EXPORT_DIR = DATA_DIR / "test-exports"  # noqa: F405
