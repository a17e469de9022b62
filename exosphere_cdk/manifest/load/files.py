"""The file system as the loader meets it: links, odd files, and an image's build context.

One message per condition, whichever command meets it (validate, plan, graph,
cost, `cdk synth` all load through here). The build context of a service with
a Dockerfile is walked as CDK's asset copy will walk it (`.dockerignore`
honoured, `service.yml` left out, links not followed out of the folder), so
that what would fail or surprise synthesis is found by `validate` first:
links out of the app folder, files and folders that cannot be read, FIFOs,
sockets and devices, hard links that may have a name outside the app folder,
and a context too large to copy without a word.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
from attrs import frozen

from exosphere_cdk.manifest.errors import Problem, display_path
from exosphere_cdk.manifest.model.app import DOCKERFILE

OUTSIDE = (
    "a symbolic link to {target}, outside the application folder, expected a file inside it"
    " (nothing outside the app folder is read or packaged)"
)
UNRESOLVABLE = (
    "a symbolic link that cannot be followed ({why}), expected a file inside the app folder"
)
#: How every build-context problem ends: what to do about a file the image does not need.
IGNORE_HINT = "(or list it in .dockerignore)"
UNREADABLE_FILE = (
    f"cannot read the file ({{why}}), expected a readable file in the image's build context"
    f" {IGNORE_HINT}"
)
UNREADABLE_FOLDER = (
    f"cannot read the folder ({{why}}), expected a readable folder in the image's build context"
    f" {IGNORE_HINT}"
)
SPECIAL = (
    f"is {{kind}}, expected a file, a folder or a symbolic link in the image's build context"
    f" {IGNORE_HINT}"
)
SPECIAL_LINK = (
    f"a symbolic link to {{kind}}, expected a file, a folder or a symbolic link in the image's"
    f" build context {IGNORE_HINT}"
)
HARD_LINK = (
    "a hard link with {names} names, {inside} of them in the application folder, expected a"
    " file whose every name is inside it (another name may lie outside the app folder, and"
    f" the content would be packaged into the image: copy the file instead) {IGNORE_HINT}"
)
#: A build context above this many bytes gets a warning (synthesis copies it into cdk.out).
CONTEXT_WARN_BYTES = 512 * 1024 * 1024
#: How many of the largest files the warning names.
LARGEST_NAMED = 3
CONTEXT_TOO_LARGE = (
    "the image's build context holds {size}, more than {limit}: every synthesis copies it"
    " into cdk.out (holes of sparse files included); its largest files: {largest};"
    " list what the image does not need in {ignore}"
)
DOCKERIGNORE = ".dockerignore"
#: The largest .dockerignore read, in bytes and in patterns (real ones: a few dozen lines);
#: every entry of the context is matched against every pattern.
DOCKERIGNORE_MAX_BYTES = 64 * 1024
DOCKERIGNORE_MAX_PATTERNS = 1_000
DOCKERIGNORE_FOLDER = (
    "is a folder, expected a file: CDK reads .dockerignore as the build context's exclusions"
)
DOCKERIGNORE_TOO_LARGE = (
    f"a .dockerignore of {{what}}, expected at most {DOCKERIGNORE_MAX_BYTES:,} bytes and"
    f" {DOCKERIGNORE_MAX_PATTERNS:,} patterns"
)
DOCKERIGNORE_BAD_PATTERN = (
    "the pattern {pattern!r} cannot be read: CDK turns it into the regular expression"
    " {regex!r}, which is invalid ({why}); a [, ], (, ), {{, }}, + or | meant literally is"
    " written with a backslash before it"
)
#: The Go era's exo deploy built each service folder's Dockerfile.prod (from 0.24).
GO_ERA_DOCKERFILES = ("Dockerfile.prod", DOCKERFILE)
SERVICE_FILE = "service.yml"


def resolve(path: Path) -> Path | str:
    """`path` with every symbolic link followed, or why it cannot be (a loop, a long name)."""
    try:
        return path.resolve()
    except RuntimeError:  # Python 3.11 and 3.12 on a loop; 3.13 raises OSError(ELOOP)
        return "a loop"
    except OSError as exc:
        return exc.strerror.lower() if exc.strerror else type(exc).__name__


def escape(path: Path, root: Path) -> str | None:
    """What is wrong with `path` when it is a symbolic link leading out of `root` (or nowhere)."""
    if not path.is_symlink():
        return None
    resolved = resolve(path)
    if isinstance(resolved, str):
        return UNRESOLVABLE.format(why=resolved)
    if not resolved.is_relative_to(root):
        return OUTSIDE.format(target=display_path(resolved))
    return None


def kind_of(mode: int) -> str:
    """`a file`, `a folder`, `a FIFO`, `a socket`, `a device` for a `st_mode`."""
    kinds = (
        (stat.S_ISREG, "a file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    )
    return next((kind for test, kind in kinds if test(mode)), "not a file")


def file_kind(path: Path) -> str | None:
    """What `path` is when it is not what was expected: `a file`, `a folder`, `a FIFO`, ...

    Symbolic links are followed; None when nothing is there (or it cannot be told).
    """
    try:
        return kind_of(path.stat().st_mode)
    except (OSError, ValueError):
        return None


def unreadable(path: Path) -> str | None:
    """Why the folder holding `path` cannot be looked into (`permission denied`), or None."""
    try:
        path.is_file()
    except OSError as exc:  # EACCES: the folder may not be searched
        return _why(exc)
    return None


def _why(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def size_text(size: int) -> str:
    """`2.0 GiB`, `512 MiB`, `3 KiB`, `12 bytes`."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            whole, rest = divmod(size, scale)
            return f"{size / scale:.1f} {unit}" if whole < 10 and rest else f"{whole} {unit}"
    return f"{size} bytes"


# --- .dockerignore, as CDK's DockerIgnoreStrategy (Docker's pattern matcher) reads it ---


#: A pattern segment: `**` (any number of segments), a literal name, or a glob's regex.
_Segment = str | re.Pattern[str] | None
_GLOB_CHARS = frozenset("*?[\\")


@frozen
class _Pattern:
    segments: tuple[_Segment, ...]
    negated: bool
    #: The pattern cleaned as CDK cleans it (no `!`, no leading `/`), and where it was
    #: written: the line as written and its number (None: one CDK adds, not the file's).
    cleaned: str = ""
    written: str = ""
    line: int | None = None


def _segment(text: str) -> _Segment:
    if text == "**":
        return None
    if _GLOB_CHARS.isdisjoint(text):
        return text
    return re.compile(fnmatch.translate(_segment_glob(text)))


def _segment_glob(segment: str) -> str:
    """A Docker pattern segment as an fnmatch one: `[^a]` is `[!a]`, `\\x` is `[x]`."""
    out: list[str] = []
    chars = iter(segment.replace("[^", "[!").replace("**", "*"))
    for ch in chars:
        if ch == "\\":
            escaped = next(chars, "")
            out.append(f"[{escaped}]" if escaped else "")
        else:
            out.append(ch)
    return "".join(out)


class DockerIgnore:
    """The patterns of a build context's exclusions; `ignores("src/a.js")` as CDK decides."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.patterns: list[_Pattern] = []
        for number, raw in enumerate(lines, start=1):
            written = raw.strip()
            if not written or written.startswith("#"):
                continue
            negated = written.startswith("!")
            line = written[1:].strip() if negated else written
            cleaned = os.path.normpath(line).lstrip("/") or "."
            if cleaned == ".":
                continue
            segments = tuple(_segment(part) for part in cleaned.split("/"))
            self.patterns.append(_Pattern(segments, negated, cleaned, written, number))
        #: Whether a negation could bring back a file under an ignored folder.
        self.has_negation = any(p.negated for p in self.patterns)

    @classmethod
    def of(cls, context: Path, dockerfile: str = DOCKERFILE) -> DockerIgnore:
        """The exclusions CDK applies to `context` (stacks/convert.py's image asset),
        built from its file `dockerfile`.

        CDK's copy reads `.dockerignore` alone, whatever the Dockerfile's name; Docker
        then builds from that copy with `<dockerfile>.dockerignore` when it has one
        (else `.dockerignore`), which leaves out more but never changes what is copied.

        Read only when it is a file of at most DOCKERIGNORE_MAX_BYTES (never a FIFO,
        which would block): `dockerignore_problem` says what else it is.
        """
        own = _own_patterns(context)
        if own is None or len(own.patterns) > DOCKERIGNORE_MAX_PATTERNS:
            return _NoDockerIgnore()
        # image-asset.ts: the file's patterns, then `exclude` (service.yml), then
        # the .dockerignore and the Dockerfile are brought back.
        extra = cls([SERVICE_FILE, f"!{DOCKERIGNORE}", f"!{dockerfile}"])
        own.patterns.extend(attrs.evolve(p, line=None) for p in extra.patterns)
        return own

    def ignores(self, relative: tuple[str, ...]) -> bool:
        """Whether the file or folder at `relative` (its path segments) is left out.

        A pattern matches a path or any folder above it; the last that matches decides.
        """
        ignored = False
        for pattern in self.patterns:
            if ignored == (not pattern.negated):
                continue  # cannot change the outcome
            if _matches_or_parent(pattern.segments, relative):
                ignored = not pattern.negated
        return ignored


def _own_patterns(context: Path) -> DockerIgnore | None:
    """The patterns of `context`'s .dockerignore: None when there is none to read.

    Read only when it is a file of at most DOCKERIGNORE_MAX_BYTES (never a FIFO,
    which would block); `dockerignore_problem` says what else it is.
    """
    path = context / DOCKERIGNORE
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > DOCKERIGNORE_MAX_BYTES:
            return None
        text = path.read_text(errors="replace")
    except OSError:  # none, or unreadable: the walk reports the latter
        return None
    return DockerIgnore(text.split("\n"))


def _cdk_pattern_regex(pattern: str) -> str:
    """The regular expression CDK's DockerIgnoreStrategy builds of a cleaned pattern
    (its @balena/dockerignore, `_compile`): `*`, `**`, `?`, `.`, `$` and `\\x` are
    translated, every other character is copied into the expression as it is."""
    out = ["^"]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                out.append(".*" if i + 1 == len(pattern) else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in ".$":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append("\\" + pattern[i + 1] if i + 1 < len(pattern) else "\\")
            i += 1
        else:
            out.append(ch)
        i += 1
    out.append("$")
    return "".join(out)


#: Where JavaScript's regular expressions (CDK's) and Python's differ on what is valid: an
#: empty class, `[]` or `[^]` (a `(?` group cannot occur: `?` becomes `[^/]`). Not checked.
_REGEX_DIALECTS_DIFFER = ("[]", "[^]")
_QUANTIFIER_BRACES = re.compile(r"\{\d+(,\d*)?\}")


def _regex_error(regex: str) -> str | None:
    """Why `regex` is not a valid JavaScript expression, as far as Python's `re` can tell
    (its escapes read as JavaScript's: `\\q` is `q`); None when valid or unknowable."""
    if any(marker in regex for marker in _REGEX_DIALECTS_DIFFER):
        return None
    if _possessive(regex):  # `a++`: Python's possessive repeat, JavaScript's error
        return "nothing to repeat"
    python = re.sub(r"\\(.)", lambda m: re.escape(m.group(1)), regex, flags=re.DOTALL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" and the like
            re.compile(python)
    except re.error as exc:
        return exc.msg
    except (OverflowError, RecursionError):  # a huge count, deep nesting: not Python's to say
        return None
    return None


def _possessive(regex: str) -> bool:
    """Whether a `+` follows a quantifier outside a character class (`a++`, `a{2}+`)."""
    in_class = quantified = False
    i = 0
    while i < len(regex):
        ch = regex[i]
        braces = _QUANTIFIER_BRACES.match(regex, i) if ch == "{" and not in_class else None
        if ch == "\\":
            i, quantified = i + 2, False
            continue
        if in_class:
            in_class = ch != "]"
        elif braces is not None:
            i, quantified = braces.end(), True
            continue
        elif ch == "+" and quantified:
            return True
        else:
            in_class = ch == "["
            quantified = ch in "*+?"
        i += 1
    return False


def dockerignore_pattern_problems(
    context: Path, ignore: DockerIgnore | None = None
) -> list[Problem]:
    """Each pattern of `context`'s .dockerignore that CDK's copy fails on, with its line
    (`ignore`: its patterns read already, `DockerIgnore.of(context)`).

    CDK matches every file of the build context against every pattern, as a regular
    expression built by `_cdk_pattern_regex`; one that is not valid ends the synthesis
    with JavaScript's SyntaxError ("Unterminated character class").
    """
    problems = []
    for pattern in (ignore or DockerIgnore.of(context)).patterns:
        if pattern.line is None:
            continue  # CDK's own (service.yml, the Dockerfile)
        regex = _cdk_pattern_regex(pattern.cleaned)
        why = _regex_error(regex)
        if why is not None:
            message = DOCKERIGNORE_BAD_PATTERN.format(pattern=pattern.written, regex=regex, why=why)
            file = display_path(context / DOCKERIGNORE)
            problems.append(Problem(file, "", message, line=pattern.line))
    return problems


class _NoDockerIgnore(DockerIgnore):
    """No .dockerignore: CDK's glob `exclude=["service.yml"]` leaves out every service.yml."""

    def __init__(self) -> None:
        super().__init__([])

    def ignores(self, relative: tuple[str, ...]) -> bool:
        return bool(relative) and relative[-1] == SERVICE_FILE


def dockerignore_problem(context: Path) -> Problem | None:
    """A `.dockerignore` CDK would fail to read (a folder) or read at length (too large)."""
    path = context / DOCKERIGNORE
    try:
        info = path.stat()
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        message = DOCKERIGNORE_FOLDER
    elif stat.S_ISREG(info.st_mode) and info.st_size > DOCKERIGNORE_MAX_BYTES:
        message = DOCKERIGNORE_TOO_LARGE.format(what=f"{info.st_size:,} bytes")
    else:
        own = _own_patterns(context)
        if own is None or len(own.patterns) <= DOCKERIGNORE_MAX_PATTERNS:
            return None  # fine; or a FIFO, a socket, a device, unreadable: the walk's line
        message = DOCKERIGNORE_TOO_LARGE.format(what=f"{len(own.patterns):,} patterns")
    return Problem(display_path(path), "", message)


def _matches_or_parent(pattern: tuple[_Segment, ...], path: tuple[str, ...]) -> bool:
    """Whether `pattern`'s segments match `path`'s or a folder's above it (`**` spans any
    number): one pass, O(len(pattern) * len(path))."""
    # reachable[j]: the pattern's first i segments match the path's first j.
    reachable = [True] + [False] * len(path)
    for segment in pattern:
        if segment is None:
            for j in range(1, len(path) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        if isinstance(segment, str):
            reachable = [False] + [reachable[j] and path[j] == segment for j in range(len(path))]
        else:
            reachable = [False] + [
                reachable[j] and segment.match(path[j]) is not None for j in range(len(path))
            ]
        if not any(reachable):
            return False
    return any(reachable[1:])


# --- the build context ---


@frozen
class _File:
    path: Path
    size: int


def dockerfile_in(folder: Path, names: Sequence[str] = (DOCKERFILE,)) -> str | None:
    """The first of `names` that `folder` has (a file, or a link the walk checks)."""
    return next(
        (name for name in names if (folder / name).is_symlink() or (folder / name).is_file()),
        None,
    )


def build_context_problems(
    context: Path, root: Path, dockerfile: str = DOCKERFILE
) -> list[Problem]:
    """What would make synthesis fail on, or surprise with, the build context `context`.

    `context` is a resolved service folder with the file `dockerfile`, `root` the
    resolved app folder. Nothing is read but folders and `.dockerignore`: files are
    opened (to know they can be) and stat-ed, never read, so a sparse 2 GiB
    file costs nothing.
    """
    ignore = DockerIgnore.of(context, dockerfile)
    problems: list[Problem] = []
    unusable = dockerignore_problem(context)
    problems.extend([unusable] if unusable else dockerignore_pattern_problems(context, ignore))
    files: list[_File] = []
    linked: list[tuple[Path, os.stat_result]] = []
    for path, entry in _walk(context, ignore, problems):
        problems.extend(_entry_problems(path, entry, context, root))
        if entry.is_file(follow_symlinks=False):
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:  # gone, or its folder cannot be searched
                problems.append(
                    Problem(display_path(path), "", UNREADABLE_FILE.format(why=_why(exc)))
                )
                continue
            files.append(_File(path, info.st_size))
            if info.st_nlink > 1:
                linked.append((path, info))
            why = _cannot_open(path)
            if why is not None:
                problems.append(Problem(display_path(path), "", UNREADABLE_FILE.format(why=why)))
    if linked:
        problems.extend(_hard_link_problems(linked, root))
    warning = _size_warning(context, files)
    if warning is not None:
        problems.append(warning)
    return sorted(problems, key=lambda p: (not p.is_error, p.file))


def _walk(
    context: Path, ignore: DockerIgnore, problems: list[Problem]
) -> Iterator[tuple[Path, os.DirEntry[str]]]:
    """Every entry of `context` CDK would copy (folders walked, links not followed)."""
    pending: list[tuple[Path, tuple[str, ...], bool]] = [(context, (), False)]
    while pending:
        folder, prefix, under_ignored = pending.pop()
        try:
            with os.scandir(folder) as scanned:
                entries = sorted(scanned, key=lambda e: e.name)
        except OSError as exc:
            if not under_ignored:
                problems.append(
                    Problem(display_path(folder), "", UNREADABLE_FOLDER.format(why=_why(exc)))
                )
            continue
        for entry in entries:
            relative = (*prefix, entry.name)
            ignored = ignore.ignores(relative)
            path = Path(entry.path)
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            if is_folder:
                if not ignored or ignore.has_negation:
                    pending.append((path, relative, under_ignored or ignored))
                continue
            if not ignored:
                yield path, entry


def _entry_problems(
    path: Path, entry: os.DirEntry[str], context: Path, root: Path
) -> list[Problem]:
    """A link out or that cannot be followed, a FIFO, a socket, a device, a link to one."""
    shown = display_path(path)
    if entry.is_symlink():
        problem = escape(path, root)
        if problem is not None:
            return [Problem(shown, "", problem)]
        target = resolve(path)
        if isinstance(target, Path) and target.is_relative_to(context):  # CDK follows it
            kind = file_kind(target)
            if kind not in (None, "a file", "a folder"):
                return [Problem(shown, "", SPECIAL_LINK.format(kind=kind))]
        return []
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        return [Problem(shown, "", UNREADABLE_FILE.format(why=_why(exc)))]
    if stat.S_ISREG(mode):
        return []
    return [Problem(shown, "", SPECIAL.format(kind=kind_of(mode)))]


def _cannot_open(path: Path) -> str | None:
    """Why the file at `path` cannot be opened for reading (it is not read), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        return _why(exc)
    os.close(fd)
    return None


def _hard_link_problems(linked: list[tuple[Path, os.stat_result]], root: Path) -> list[Problem]:
    """The hard links of `linked` with a name that is not in the app folder `root`."""
    wanted = {(info.st_dev, info.st_ino) for _, info in linked}
    names = dict.fromkeys(wanted, 0)
    pending = [root]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        info = entry.stat(follow_symlinks=False)
                        key = (info.st_dev, info.st_ino)
                        if key in names:
                            names[key] += 1
        except OSError:  # a name in an unreadable folder is not counted: refused
            continue
    problems = []
    for path, info in linked:
        inside = names[(info.st_dev, info.st_ino)]
        if inside < info.st_nlink:
            message = HARD_LINK.format(names=info.st_nlink, inside=inside)
            problems.append(Problem(display_path(path), "", message))
    return problems


def _size_warning(context: Path, files: list[_File]) -> Problem | None:
    total = sum(f.size for f in files)
    if total <= CONTEXT_WARN_BYTES:
        return None
    largest = sorted(files, key=lambda f: (-f.size, str(f.path)))[:LARGEST_NAMED]
    named = ", ".join(f"{f.path.relative_to(context)} ({size_text(f.size)})" for f in largest)
    message = CONTEXT_TOO_LARGE.format(
        size=size_text(total),
        limit=size_text(CONTEXT_WARN_BYTES),
        largest=named,
        ignore=display_path(context / DOCKERIGNORE),
    )
    return Problem(display_path(context), "", message, "warning")
