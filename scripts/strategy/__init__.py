"""The SPF Flagship strategy pipeline.

inputs -> validated records (`strategy.inputs`) -> Markdown chapters
(`strategy.chapters`) -> site (`strategy.website`, a MkDocs plugin) and print
HTML -> PDF (`strategy.publish`). `strategy.build` runs them in order.
"""
