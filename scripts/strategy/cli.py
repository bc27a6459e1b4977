"""`strategy check | chapters | build`: the commands authors and the publisher run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console

from .project import Project, check
from .audience import Audience
from .environment import ENVIRONMENT_ERRORS, environment_problem
from .inputs.records import FeedbackStatus
from .problems import ProblemsFound, warnings_report

# Problems quote the authors' files: no emoji codes (:smile:) are replaced in what these consoles print, and every
# print of a problem passes markup=False, so that "[red]" in a field is shown as typed.
err = Console(stderr=True, highlight=False, emoji=False)
out = Console(highlight=False, emoji=False)

project_option = click.option(
    "--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
    help="The strategy repository (where strategy.yml and mkdocs.yml are).")
audience_option = click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), default=Audience.PARTNERS.value,
    show_default=True, help="Who the build is for: what consent lets it show.")


@click.group()
def main() -> None:
    """Build the SPF Flagship Phase III strategy from its inputs."""


@main.command("check")
@project_option
def check_command(project: Path) -> None:
    """Validate every input and report every problem at once."""
    inputs = _or_exit(lambda: check(Project(project)))
    if inputs.warnings:
        err.print(warnings_report(inputs.warnings), style="yellow", markup=False, soft_wrap=True)
    out.print(f"[green]Inputs are valid:[/] {len(inputs.partner_inputs)} partner inputs from "
              f"{len({i.partner for i in inputs.partner_inputs.values()})} partners, "
              f"{len(inputs.meeting.sessions)} meeting sessions, {len(inputs.country_results)} country results.")


@main.command("chapters")
@project_option
@audience_option
def chapters_command(project: Path, audience: str) -> None:
    """Regenerate the Markdown chapters in docs/generated from the inputs."""
    from .build import write_generated_chapters

    changed = _or_exit(lambda: write_generated_chapters(Project(project), Audience(audience)))
    out.print(f"{len(changed)} generated chapter(s) changed.")


@main.command("build")
@project_option
@audience_option
def build_command(project: Path, audience: str) -> None:
    """Check, write chapters, build the site and the PDF; change nothing on failure."""
    from .build import build

    with err.status("Starting") as status:
        def step(message: str) -> None:
            err.log(message)
            status.update(message + "…")
        result = _or_exit(lambda: build(Project(project), Audience(audience), step))
    out.print(f"[green]Built in {result.seconds:.1f} s[/]")
    out.print(f"  Site: {result.site / 'index.html'}")
    out.print(f"  PDF:  {result.pdf}")
    out.print(f"  Word: {result.docx}")
    out.print(f"  Provenance of every partner input: {result.provenance}")
    if result.warnings:
        count = len(set(result.warnings))
        err.print(f"{count} warning{'s' if count != 1 else ''} about the inputs (illustrative data, placeholders, "
                  "names that consent keeps out of partner text…): `strategy check` lists them with file and line.",
                  style="yellow", markup=False, soft_wrap=True)


@main.command("feedback")
@project_option
@click.option("--status", type=click.Choice([*(s.value for s in FeedbackStatus), "all"]), default="open",
              show_default=True, help="Which comments to list.")
def feedback_command(project: Path, status: str) -> None:
    """List reviewers' comments (the open ones by default) by chapter and section, with their file and line."""
    from .feedback import comments_listing

    out.print(_or_exit(lambda: comments_listing(Project(project), status)), markup=False, soft_wrap=True)


@main.group("import")
def import_group() -> None:
    """Turn what partners and reviewers send (Word files, form exports, comment matrices) into inputs."""


@main.command("audit")
@click.argument("pdfs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@project_option
def audit_command(pdfs: tuple[Path, ...], project: Path) -> None:
    """Check each PDF (by default both editions of the last build): its layout (printable area, fonts,
    headings at a page foot, blank pages, links, contents) and the PDF/UA or PDF/A rules it declares."""
    import pikepdf

    from .publish.audit import audit_pdf
    from .publish.conformance import KNOWN_WEASYPRINT_LIMITATIONS, check_conformance, declared_variant

    if not pdfs:
        publication = _or_exit(lambda: Project(project).publication())
        pdfs = tuple(Project(project).site / name for name in (publication.pdf_file, publication.archive_pdf_file))
        if missing := [p for p in pdfs if not p.is_file()]:
            err.print(f"No PDF at {missing[0]}: run `strategy build` first.", style="red")
            sys.exit(1)
    failed = False
    for pdf in pdfs:
        try:
            variant = declared_variant(pdf)
        except pikepdf.PdfError as unreadable:
            err.print(f"{pdf}: expected a PDF; found a file that cannot be read as one ({unreadable})",
                      style="red", markup=False, soft_wrap=True)
            failed = True
            continue
        with err.status(f"Auditing {pdf}…"):
            layout = _or_exit(lambda: audit_pdf(pdf))
            rules = _or_exit(lambda: check_conformance(pdf, variant) if variant else [])
        broken = [f for f in rules if f.check not in KNOWN_WEASYPRINT_LIMITATIONS]
        known = [f for f in rules if f.check in KNOWN_WEASYPRINT_LIMITATIONS]
        for finding in [*layout, *broken]:
            out.print(str(finding), markup=False, soft_wrap=True)
        claim = f"{variant.upper()} rules that can be checked by machine" if variant else "no PDF/UA or PDF/A claim"
        out.print(f"{pdf}: {len(layout)} layout problem(s); {claim}: {len(broken)} broken", markup=False,
                  soft_wrap=True)
        for check in sorted({f.check for f in known}):
            pages = sum(1 for f in known if f.check == check)
            out.print(f"  known WeasyPrint limitation, not counted ({pages} page(s)): "
                      f"{KNOWN_WEASYPRINT_LIMITATIONS[check]}", markup=False, soft_wrap=True)
        failed |= bool(layout or broken)
    sys.exit(1 if failed else 0)


def _or_exit(action):
    try:
        return action()
    except ProblemsFound as found:
        err.print(found.report(), style="red", markup=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Stopped. The previous outputs are unchanged.", style="yellow")
        sys.exit(130)
    except Exception as unexpected:  # a bug of ours: say so plainly; STRATEGY_DEBUG=1 shows the traceback
        if isinstance(unexpected, OSError) and unexpected.errno in ENVIRONMENT_ERRORS:
            err.print(ProblemsFound([environment_problem(unexpected)]).report(), style="red", markup=False,
                      soft_wrap=True)
            sys.exit(1)
        if os.environ.get("STRATEGY_DEBUG"):
            raise
        err.print(f"Internal error: {type(unexpected).__name__}: {unexpected}\n"
                  "The previous outputs are unchanged. Run again with STRATEGY_DEBUG=1 to see where it happened.",
                  style="red", markup=False, soft_wrap=True)
        sys.exit(2)

if __name__ == "__main__":
    main()
