"""identity's tests run as a local run (CRM_ENV=local: no key-encryption key required) unless
a test configures one; the worker module reads its settings when imported."""

import os

os.environ.setdefault("CRM_ENV", "local")
