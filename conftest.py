pytest_plugins = ["caseway.core.testing"]
