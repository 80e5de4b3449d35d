import re


def slugify(title):
    """Turns "Hello, World!" into "hello-world"."""
    words = re.findall(r"[a-z0-9]+", title)
    return "-".join(words)
