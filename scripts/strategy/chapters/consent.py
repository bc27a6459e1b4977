"""What each audience may see: the rules live in `strategy.consent`, which every stage uses; the chapters
import them from here."""

from ..consent import (MINIMUM_CELL, SMALL_CELLS_NOTE, Audience, Cell, attribution, audience_view, capitalise,
                       kept_out, may_name, may_show, names_to_keep_out, small_cells, unnamed_partners)

__all__ = ["MINIMUM_CELL", "SMALL_CELLS_NOTE", "Audience", "Cell", "attribution", "audience_view", "capitalise",
           "kept_out", "may_name", "may_show", "names_to_keep_out", "small_cells", "unnamed_partners"]
