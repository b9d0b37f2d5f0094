"""The Gradio chat app over `rag`. Importing it turns off gradio's calls to outside hosts."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
