"""List of partners: those who contributed and may be named, by kind of partner."""

from __future__ import annotations

from collections import defaultdict

from ..inputs import StrategyInputs
from ..inputs.records import PartnerKind
from .consent import Audience, may_name, unnamed_partners
from .markdown import front_matter, id_list, input_link, md_escape, number, table

TITLE = "List of partners"


def list_of_partners(inputs: StrategyInputs, audience: Audience) -> str:
    out = [front_matter(TITLE, "The partners who contributed to the Phase III strategy and may be named."),
           f"# {TITLE}\n"]
    named: dict[str, list] = defaultdict(list)
    for item in inputs.partner_inputs.values():
        if may_name(item, audience):
            named[item.partner].append(item)
    unnamed = len(unnamed_partners(inputs, audience))
    out.append(f"{number(len(named))} partners contributed and agreed to be named"
               + (f"; {number(unnamed)} more contributed without being named." if unnamed else ".") + "\n")
    for kind in PartnerKind:
        partners = sorted((inputs.partners[p] for p in named if inputs.partners[p].kind is kind),
                          key=lambda p: p.name)
        if not partners:
            continue
        rows = [[md_escape(p.name), p.region.label,
                 md_escape(inputs.countries[p.country].name) if p.country else "–",
                 id_list([input_link(i) for i in named[p.id]])] for p in partners]
        out.append(table(["Partner", "Region", "Country", "Inputs"], rows,
                         caption=kind.label, table_id=f"tbl-partners-{kind.value}",
                         illustrative=any(i.illustrative or inputs.partners[p].illustrative
                                          for p in named for i in named[p] if inputs.partners[p].kind is kind))
                   + "\n")
    return "\n".join(out)
