"""The shipped model and its card, installed as the package data ``tonecls.models``."""
