"""Stage 0, before the inputs: what partners and reviewers send, turned into input files.

Partners' Word submissions and form exports become `inputs/partner-inputs/PI-NNN.yaml`; reviewers' comments
(a returned Word draft, a comment matrix) become `inputs/feedback/*.yaml`. Each importer validates what it
writes against the same record model that `strategy check` uses, names what it could not carry over, and
writes nothing at all when the file it reads is damaged or hostile.
"""
