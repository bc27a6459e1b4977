"""Who a build is for; every stage that decides what to show asks this."""

from __future__ import annotations

from enum import Enum


class Audience(str, Enum):
    """`internal` authors see everything, withheld material marked as such; `partners` and `public` see
    only what each partner's consent allows."""

    INTERNAL = "internal"
    PARTNERS = "partners"
    PUBLIC = "public"
