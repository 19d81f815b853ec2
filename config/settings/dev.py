"""Local development: debug on, console email, a throwaway secret."""

from config.settings.base import *
from config.settings.env import env_bool, env_str

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
