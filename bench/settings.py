"""The production settings, with static files collected into the benchmark's own folder."""

import os
from pathlib import Path

from essay_site.settings import *  # noqa: F403 - the same site, one path changed

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
