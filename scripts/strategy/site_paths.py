"""Where the build puts what it makes in the site: names every stage shares, in a module that imports nothing,
so that the site plugin can name them without importing the stages that make them."""

GENERATED_FOLDER = "generated"  # the generated chapters, charts and partner images, under docs/ and the site
CHANGES_FILE = "changes.md"  # the page of what changed since the previous edition (redline.py)
SLIDES_PAGE = "slides/index.html"  # the slides, in the site (publish/slides.py)
REGISTER_FILE = "partner-inputs.md"  # the register of partner inputs, one entry per input (chapters/register.py)
