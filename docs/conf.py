"""Sphinx configuration of skmlp's documentation.

Build it from the repository root with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build needs no network: cross-references to other projects' docs
(intersphinx) are opt-in through ``SKMLP_DOCS_INTERSPHINX=1``, and MathJax is
served from the build itself (``sphinx-mathjax-offline``).
"""

import os
import sys
from pathlib import Path

import matplotlib

# The gallery draws its figures without a display.
matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout being built, installed or not.
sys.path.insert(0, str(ROOT))

import skmlp  # noqa: E402

# -- Project information ------------------------------------------------------

project = "skmlp"
author = "the skmlp developers"
copyright = "the skmlp developers"  # noqa: A001 (Sphinx's name for it)
version = skmlp.__version__
release = skmlp.__version__

# -- General configuration ----------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax served from the build itself, not from a CDN.
    "sphinx-mathjax-offline",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "generated/backreferences",
]
default_role = "literal"
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc -------------------------------------------

autosummary_generate = True
# "fit()", not "FromScratchMLPClassifier.fit()", in the page's table of contents.
toc_object_entries_show_parents = "hide"
autodoc_typehints = "none"
autodoc_default_options = {"member-order": "bysource"}

# The methods are listed by our autosummary class template, so numpydoc must
# not add its own (duplicate) member tables.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
# Docstring validation is a linter's job, not the build's: with -W any finding
# would stop the build. Run it on demand with, e.g.,
#   python -m numpydoc lint skmlp/_classifier.py
numpydoc_validation_checks = set()

# -- intersphinx ------------------------------------------------------------------

# Fetching the inventories needs the network; a build without it would warn
# (and fail under -W), so the mapping is opt-in.
if os.environ.get("SKMLP_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }
else:
    intersphinx_mapping = {}

# -- sphinx-gallery -----------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Execute every example (all are named plot_*.py).
    "filename_pattern": "/plot_",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    # "Examples using ..." on each API page, and links from the examples' code
    # to the API pages.
    "doc_module": ("skmlp",),
    "backreferences_dir": "generated/backreferences",
    "show_memory": False,
    # A cell ending with ax.legend() or fig.suptitle(...) should not print
    # "<matplotlib.legend.Legend object at 0x...>".
    "ignore_repr_types": r"matplotlib\.",
}

# -- HTML output --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
html_css_files = ["skmlp.css"]
html_show_sourcelink = False
html_theme_options = {
    # Nothing that needs the network: no external icons, no version switcher,
    # no analytics.
    "icon_links": [],
    "navbar_align": "left",
    "header_links_before_dropdown": 7,
    "navbar_end": ["theme-switcher"],
    # A search icon rather than a search field, so that the header fits in one
    # line at 1280 pixels.
    "navbar_persistent": ["search-button"],
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {
    # One-page sections need no left sidebar.
    "index": [],
    "user_guide": [],
    "regression": [],
    "sklearn_mapping": [],
    "performance": [],
    "persistence": [],
    "distributed": [],
    # The gallery pages have previous/next links and the gallery index; their
    # code needs the width.
    "auto_examples/*": [],
}
