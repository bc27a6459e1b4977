"""`strategy check | chapters | build`: the commands authors and the publisher run."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

from .project import Project, check
from .audience import Audience
from .inputs.records import Consent
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
    with _collector_paused_to_the_end():
        inputs = _or_exit(lambda: check(Project(project), alongside=True))
        if inputs.warnings:
            _report(err, warnings_report(inputs.warnings), "yellow")
        out.print(f"[green]Inputs are valid:[/] {len(inputs.partner_inputs)} partner inputs from "
                  f"{len({i.partner for i in inputs.partner_inputs.values()})} partners, "
                  f"{len(inputs.meeting.sessions)} meeting sessions, {len(inputs.country_results)} country results.")


@contextmanager
def _collector_paused_to_the_end() -> Iterator[None]:
    """Python's collector of reference cycles kept paused after the check (which pauses it, project.check) to
    the end of the command, which is the end of the process: started again, its first run walks every object
    the check made (for ten thousand inputs, a twentieth of a check), and Python walks them all once more as
    it exits. Frozen at the end, they are not walked again; their memory goes with the process."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()


@main.command("chapters")
@project_option
@audience_option
def chapters_command(project: Path, audience: str) -> None:
    """Regenerate the Markdown chapters in docs/generated from the inputs, and the site's sources as plain
    files in .build/plain, for Zensical."""
    from .build import write_generated_chapters
    from .website.plain import plain_folder

    changed = _or_exit(lambda: write_generated_chapters(Project(project), Audience(audience)))
    out.print(f"{len(changed)} generated chapter(s) changed.")
    config = plain_folder(Project(project)) / "mkdocs.yml"
    out.print(f"The site's sources as plain files: {config.parent}; build them with "
              f"`zensical build -f {config}`.", markup=False, soft_wrap=True)
    if Audience(audience) is Audience.INTERNAL:  # withheld text on disk outside inputs/, until deleted
        err.print("These files hold withheld inputs' text (internal audience): never publish them; run "
                  "`strategy chapters` again (partners) or delete docs/generated and .build/plain.",
                  style="yellow", markup=False, soft_wrap=True)


@main.command("build")
@project_option
@audience_option
@click.option("--release", is_flag=True, help="Make the archive edition of the PDF (PDF/A-3a) too, as "
              "`strategy release` does; without it, a draft build: the site, the reading PDF, Word and slides.")
def build_command(project: Path, audience: str, release: bool) -> None:
    """Check, write chapters, build the site and the PDF; change nothing on failure."""
    from .build import build

    with err.status("Starting") as status:
        def step(message: str) -> None:
            err.log(message)
            status.update(message + "…")
        result = _or_exit(lambda: build(Project(project), Audience(audience), step, release=release))
    out.print(f"[green]Built in {result.seconds:.1f} s[/]")
    out.print(f"  Site: {result.site / 'index.html'}")
    out.print(f"  PDF:  {result.pdf}")
    if result.archive_pdf:
        out.print(f"  Archive PDF: {result.archive_pdf}", soft_wrap=True)
    out.print(f"  Word: {result.docx}")
    out.print(f"  Slides: {result.slides}")
    if result.changes:
        out.print(f"  What changed: {result.changes}")
        out.print(f"  Word, with tracked changes: {result.tracked_docx}")
    out.print(f"  Provenance of every partner input: {result.provenance}")
    if not result.archive_pdf:
        out.print("  (A draft build: `strategy build --release` makes the archive edition too.)", markup=False)
    # The earlier editions' warnings (editions/...: outputs that differ from the release, consent narrowed)
    # are the build's own, not the check's: shown here in full.
    earlier = [w for w in result.warnings if w.file.startswith("editions/")]
    if earlier:
        err.print(warnings_report(earlier), style="yellow", markup=False, soft_wrap=True)
    if checked := [w for w in result.warnings if not w.file.startswith("editions/")]:
        count = len(set(checked))
        err.print(f"{count} warning{'s' if count != 1 else ''} about the inputs (illustrative data, placeholders, "
                  "names that consent keeps out of partner text…): `strategy check` lists them with file and line.",
                  style="yellow", markup=False, soft_wrap=True)


@main.command("release")
@click.option("--next", "next_label", required=True, help='The label of the next edition ("Draft 2"), which '
              "strategy.yml moves to.")
@click.option("--date", "next_date", help="The next edition's date, YYYY-MM-DD (default: today).")
@project_option
@audience_option
def release_command(next_label: str, next_date: str | None, project: Path, audience: str) -> None:
    """Cut the current edition: build and check it, store its record and sources under editions/, and move
    strategy.yml to the next edition. Refuses uncommitted sources, an invalid tree and a label released before."""
    import datetime as dt
    import shlex

    from .editions import release

    with err.status("Starting") as status:
        def step(message: str) -> None:
            err.log(message)
            status.update(message + "…")
        done = _or_exit(lambda: release(project, next_label, _date_option("--date", next_date) or dt.date.today(),
                                        audience, step))
    record = done.record
    folder = done.folder.relative_to(project)
    git = "git" if project == Path(".") else f"git -C {shlex.quote(str(project))}"
    out.print(f"[green]Released {record.label}[/] ({record.date.isoformat()}, edition {record.number}, for "
              f"{record.audience}):")
    out.print(f"  Record and sources: {folder}/", markup=False, soft_wrap=True)
    for name, fingerprint in record.outputs.items():
        out.print(f"  {name}: {fingerprint}", markup=False, soft_wrap=True)
    out.print(f"  strategy.yml now: {done.next_label}, {done.next_date.isoformat()}", markup=False)
    if done.git_checked is not None:
        err.print(f"Note: {done.git_checked}.", style="yellow", markup=False, soft_wrap=True)
    mentions = [w for w in done.warnings if "still names the edition just released" in w.expected]
    if mentions:
        err.print(warnings_report(mentions), style="yellow", markup=False, soft_wrap=True)
    out.print("Commit the release:", markup=False)
    message = shlex.quote(f"Release {record.label}; next: {done.next_label}")
    out.print(f"  {git} add {folder.as_posix()} strategy.yml && {git} commit -m {message}", markup=False,
              soft_wrap=True)


@main.command("slides")
@project_option
@audience_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The PPTX to write (default: named after the PDF, here); the HTML page goes beside it.")
def slides_command(project: Path, audience: str, output: Path | None) -> None:
    """The slides that present the summary of inputs received: a PPTX and the same deck as an HTML page."""
    from .publish.slides import write_project_slides

    pptx, page = _or_exit(lambda: write_project_slides(Project(project), Audience(audience), output))
    out.print(f"[green]Slides written[/] for a {audience} audience:", markup=True)
    out.print(f"  PowerPoint: {pptx}\n  Page:       {page}", markup=False, soft_wrap=True)


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


@import_group.command("responses")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("--mapping", required=True, type=click.Path(path_type=Path),
              help="Which column holds what, and how the form's answers read (see examples/form-mapping.yaml).")
@project_option
def import_responses_command(export: Path, mapping: Path, project: Path) -> None:
    """One partner input per response of an online form's export (.xlsx or .csv)."""
    from .intake.responses import import_responses

    def run():
        return import_responses(project, Project(project).publication(), export, mapping, str(export), str(mapping))

    result = _or_exit(run)
    for done in result.written:
        notes = [n for n, on in (("priorities left for the drafting team to code", done.uncoded),
                                 ("no consent answer: counts as withheld until one is added", done.no_consent)) if on]
        out.print(f"{done.input_id}: row {done.row} ({done.imported_from})" + (f" — {'; '.join(notes)}" if notes else ""),
                  markup=False, soft_wrap=True)
    rows = lambda n: f"{n} row{'s' if n != 1 else ''}"  # noqa: E731
    out.print(f"{rows(len(result.written))} imported as partner inputs; {rows(len(result.already_imported))} "
              "imported before, skipped.", markup=False)
    if result.problems:
        failed = len({p.line for p in result.problems})
        err.print(f"{rows(failed)} not imported, nothing written for them (each problem gives the file, the row "
                  "as the spreadsheet numbers it, and the column):", style="red", markup=False, soft_wrap=True)
        err.print(ProblemsFound(result.problems).report(), style="red", markup=False, soft_wrap=True)
        sys.exit(1)


@import_group.command("comments")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--reviewer", required=True, help="The reviewer's partner ID (partners.yaml).")
@click.option("--consent", type=click.Choice([c.value for c in Consent]),
              help="What the reviewer agreed to; a new file without it counts as withheld.")
@click.option("--edition", help="The edition commented on (default: strategy.yml's edition label).")
@click.option("--received", help="When the comments arrived, YYYY-MM-DD (default: today).")
@project_option
def import_comments_command(file: Path, reviewer: str, consent: str | None, edition: str | None,
                            received: str | None, project: Path) -> None:
    """A reviewer's comments (a returned Word draft, .docx; a comment matrix, .xlsx or .csv) ->
    inputs/feedback/<reviewer>-<edition>.yaml."""
    from .problems import Problem

    def run():
        day = _date_option("--received", received)
        publication = Project(project).publication()
        if file.suffix.lower() == ".docx":
            from .intake.returned_draft import import_returned_draft

            return import_returned_draft(project, publication, file, str(file), reviewer,
                                         Consent(consent) if consent else None, edition, day)
        from .intake.comment_matrix import import_comment_matrix

        return import_comment_matrix(project, publication, file, str(file), reviewer,
                                     Consent(consent) if consent else None, edition, day)

    from .intake.comment_matrix import Matrix
    from .intake.returned_draft import ReturnedDraft

    result, read = _or_exit(run)
    if isinstance(read, ReturnedDraft):
        out.print(f"{read.comments} Word comment(s) on {read.edition}"
                  + (f"; {read.empty} empty, skipped: they ask nothing." if read.empty else "."),
                  markup=False, soft_wrap=True)
    if isinstance(read, Matrix) and read.unread:
        out.print(f"Columns not read (no field of a comment takes them): {', '.join(read.unread)}",
                  markup=False, soft_wrap=True)
    added = f"{result.added[0]} to {result.added[-1]}" if len(result.added) > 1 else "".join(result.added)
    verb = "Wrote" if result.created else "Added to"
    if result.added:
        out.print(f"{verb} {result.file}: {len(result.added)} comment(s) ({added}); {result.already_there} "
                  "there already.", markup=False, soft_wrap=True)
    else:
        out.print(f"Nothing new: the {result.already_there} comment(s) are in {result.file} already.",
                  markup=False, soft_wrap=True)


def _date_option(option: str, value: str | None):
    """A date given on the command line: YYYY-MM-DD and a real day, or a problem naming the option."""
    import datetime as dt
    import re

    from .problems import Problem, shown

    if value is None:
        return None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ProblemsFound([Problem(option, None, None, "a real date written YYYY-MM-DD", shown(value))])


@import_group.command("submission")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--partner", required=True, help="The partner's ID in inputs/partners.yaml.")
@click.option("--consent", required=True, type=click.Choice(["named", "anonymous", "withheld"]),
              help="What the partner agreed to.")
@click.option("--themes", required=True, help="Thematic area IDs, separated by commas.")
@click.option("--received", required=True, help="The day the submission arrived, YYYY-MM-DD.")
@click.option("--timing", required=True, type=click.Choice(["before-meeting", "during-meeting"]))
@project_option
def import_submission_command(file: Path, partner: str, consent: str, themes: str, received: str, timing: str,
                              project: Path) -> None:
    """Turn a partner's Word submission (FILE.docx) into the next free partner input, PI-NNN.yaml."""
    from .inputs.records import Consent, Timing
    from .intake.submission import Submission, import_submission

    submission = Submission(file, partner, Consent(consent), tuple(t.strip() for t in themes.split(",") if t.strip()),
                            received, Timing(timing))
    root = Path(project)
    publication = _or_exit(lambda: Project(root).publication())
    result = _or_exit(lambda: import_submission(root, publication.inputs_folder, submission))
    out.print(f"{result.id}: {result.file}, from {file.name}", markup=False, soft_wrap=True)
    for line in result.kept:
        out.print(f"  kept: {line}", markup=False, soft_wrap=True)
    for line in result.dropped:
        err.print(f"  not carried over: {line}", style="yellow", markup=False, soft_wrap=True)
    for line in result.left:
        err.print(f"  left for the author: {line}", style="yellow", markup=False, soft_wrap=True)


@main.command("audit")
@click.argument("pdfs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@project_option
def audit_command(pdfs: tuple[Path, ...], project: Path) -> None:
    """Check each PDF (by default the editions of the last build: the reading edition, and the archive edition
    after a release build): its layout (printable area, fonts, headings at a page foot, blank pages, links,
    contents) and the PDF/UA or PDF/A rules it declares."""
    import pikepdf

    from .checks.audit import audit_pdf
    from .checks.conformance import KNOWN_WEASYPRINT_LIMITATIONS, check_conformance, declared_variants

    if not pdfs:
        publication = _or_exit(lambda: Project(project).publication())
        reading, archive = (Project(project).site / name for name in (publication.pdf_file,
                                                                      publication.archive_pdf_file))
        if not reading.is_file():
            err.print(f"No PDF at {reading}: run `strategy build` first.", style="red")
            sys.exit(1)
        pdfs = (reading, archive) if archive.is_file() else (reading,)
        if not archive.is_file():  # the last build was a draft build
            err.print(f"No archive edition at {archive}: `strategy build --release` makes it; auditing the "
                      "reading edition.", style="yellow", markup=False, soft_wrap=True)
    failed = False
    for pdf in pdfs:
        try:
            variants = declared_variants(pdf)
        except pikepdf.PdfError as unreadable:
            err.print(f"{pdf}: expected a PDF; found a file that cannot be read as one ({unreadable})",
                      style="red", markup=False, soft_wrap=True)
            failed = True
            continue
        with err.status(f"Auditing {pdf}…"):
            layout = _or_exit(lambda: audit_pdf(pdf))
            rules = _or_exit(lambda: list(dict.fromkeys(f for v in variants for f in check_conformance(pdf, v))))
        broken = [f for f in rules if f.check not in KNOWN_WEASYPRINT_LIMITATIONS]
        known = [f for f in rules if f.check in KNOWN_WEASYPRINT_LIMITATIONS]
        for finding in [*layout, *broken]:
            out.print(str(finding), markup=False, soft_wrap=True)
        claim = (f"{' and '.join(v.upper() for v in variants)} rules that can be checked by machine" if variants
                 else "no PDF/UA or PDF/A claim")
        out.print(f"{pdf}: {len(layout)} layout problem(s); {claim}: {len(broken)} broken", markup=False,
                  soft_wrap=True)
        for check in sorted({f.check for f in known}):
            pages = len({f.page for f in known if f.check == check})
            out.print(f"  known WeasyPrint limitation, not counted ({pages} page(s)): "
                      f"{KNOWN_WEASYPRINT_LIMITATIONS[check]}", markup=False, soft_wrap=True)
        failed |= bool(layout or broken)
    sys.exit(1 if failed else 0)


def _report(console: Console, text: str, style: str) -> None:
    """A report (problems, warnings) written as it is, in one colour. Rich lays out every line it prints: for
    the ten thousand warnings of a large project that took seconds, and a report needs no layout. As with
    markup=False, "[red]" and ":smile:" in it are shown as typed; NO_COLOR and a pipe leave it plain."""
    from rich.console import COLOR_SYSTEMS
    from rich.style import Style

    system = COLOR_SYSTEMS.get(console.color_system or "")
    if system:  # each line coloured on its own, as rich does
        colour = Style.parse(style)
        text = "\n".join(colour.render(line, color_system=system) for line in text.split("\n"))
    console.file.write(text + "\n")
    console.file.flush()


def _or_exit(action):
    try:
        return action()
    except ProblemsFound as found:
        _report(err, found.report(), "red")
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
