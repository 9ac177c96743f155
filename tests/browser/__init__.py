"""Real-browser tests: the example shop served on 127.0.0.1, driven by Chromium (Playwright)."""
