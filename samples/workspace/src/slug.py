import re


def slugify(title):
    """Turns "Hello, World!" into "hello-world"."""
    words = re.findall(r"[a-z0-9]+", title)
    return "-".join(words)


def add_tag(tag, tags=[]):
    """Returns the tags with `tag` added, without duplicates."""
    if tag not in tags:
        tags.append(tag)
    return tags
