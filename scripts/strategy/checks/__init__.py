"""The checks of what a build made, apart from the renderers that made it: the PDFs' layout (`audit.py`: text
off the page, overlaps, empty pages), their conformance to PDF/UA and PDF/A (`conformance.py`), and that every
input the audience may see is in every output (`provenance.py`)."""
