#!/usr/bin/env python3
"""Checks that the repository's Markdown docs have not drifted from the code.

Every Markdown file git tracks (outside node_modules/ and target/) is read, and:

1. Links. Every relative link, `[text](path)`, `[text](path#anchor)`, `![alt](path)`, a
   reference definition `[ref]: path` or an HTML `href`/`src`, must name a file or folder the
   repository tracks; no link, and no `../` path written in inline code, may leave the
   repository. An anchor (`#heading`, in the same file or in another Markdown file) must be a
   heading of that file, slugged as GitHub does: lowercase, punctuation other than '-' and '_'
   dropped, spaces turned into '-', repeated headings numbered -1, -2, ... A source file named
   in inline code (`client/src/deploy.rs`, `tests/cli.rs`: a relative path with a folder, ending
   in .rs, .toml, .md, .sh, .py, .scale or .hbs) must be tracked, relative to the repository
   root, to the Markdown file's folder or to that folder's src/.
2. Commands. In fenced code blocks tagged sh, bash, shell, console, zsh or shell-session, and in
   inline code spans that start with a binary's name, every command that starts with `nubes`,
   `nubes-agent` or `nubes-node` (optionally after `$ `, environment assignments, or as a path
   such as `./target/release/nubes`) must name subcommands that exist: the words up to the first
   option, placeholder (`FILE`, `<id>`, `{x}`), path, number or quoted string are run as
   `<binary> <words...> --help`, which must exit with status 0. `a|b|c` in a word means each of
   the alternatives. Every `--long-flag` of the command must appear in the `--help` output of
   that subcommand or of the binary itself (the global options `--url`, `--suri`, `--json` of
   `nubes`; the base command's options of `nubes-node`). Help outputs are cached.
3. Scripts and packages. Every `scripts/NAME.sh` or `./scripts/NAME.sh` mentioned anywhere must
   exist, be tracked by git and be executable (on disk and in git's index). Every
   `cargo test|run|bench|build|check ... -p PACKAGE` must name a workspace package (members of
   the root Cargo.toml, globs expanded; cargo is not run), and every `--example X`, `--bench X`,
   `--test X` or `--bin X` must be a target of one of the named packages (of any member without
   `-p`): `examples/X.rs`, `benches/X.rs`, `tests/X.rs`, `src/bin/X.rs`, `X/main.rs` in those
   folders, or declared in the package's Cargo.toml.

No command the docs show is executed; only the binaries' `--help` is run. Many of them cannot
run here at all: they need a running chain or the network (`nubes deploy`, `nubes lease ...`,
`nubes provider ...`, `nubes-agent run`, a validator's `nubes-node --chain ... --bootnodes ...`,
`curl` against a node's RPC, `cargo run --example calibrate`), so they are only checked as above.

Check 2 needs the release binaries (`cargo test --locked --release --workspace --no-run`, as
scripts/test.sh builds them); scripts/check-docs.sh passes their paths. With --links-only only
checks 1 and 3 run, and no binary is needed.

Exit status: 0 when the docs are clean, 1 when a problem is found (each is printed as
`file:line: problem`), 2 when the check cannot run (a binary missing, not a git work tree).
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = ("nubes", "nubes-agent", "nubes-node")
BUILD_COMMAND = "cargo test --locked --release --workspace --no-run"
SHELL_LANGS = {"sh", "bash", "shell", "console", "zsh", "shell-session"}
SKIPPED_DIRS = {"node_modules", "target"}
HELP_TIMEOUT_S = 60


# --- reading Markdown ----------------------------------------------------------------------


@dataclass
class Fence:
    """A fenced code block: its info string's first word and its lines (number, text)."""

    lang: str
    lines: list[tuple[int, str]]


@dataclass
class Span:
    """An inline code span: the line it starts on and its content (`\\|` unescaped in tables)."""

    line: int
    text: str


@dataclass
class Doc:
    path: str  # relative to the repository root, with '/'
    lines: list[str]
    fences: list[Fence] = field(default_factory=list)
    # Paragraphs outside fences: (first line number, text with its newlines).
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    # Links outside code: (line, target).
    links: list[tuple[int, str]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # raw heading texts, in order
    html_ids: set[str] = field(default_factory=set)


FENCE_OPEN = re.compile(r"^\s*(?:(`{3,})\s*([^\s`]*)[^`]*|(~{3,})\s*(\S*).*)$")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
TABLE_ROW = re.compile(r"^\s*\|")
HTML_ID = re.compile(r"""<a\s[^>]*?(?:name|id)\s*=\s*["']([^"']+)["']""", re.I)
HTML_LINK = re.compile(r"""<(?:a|img)\s[^>]*?(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
REF_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?")
# [text](target) or ![alt](target), the text allowing one level of nested brackets, the target
# optionally in <...> and followed by a title.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*\]\(\s*(?:<([^>\n]*)>|([^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)


def read_doc(root: Path, rel: str) -> Doc:
    text = (root / rel).read_text(encoding="utf-8")
    doc = Doc(rel, text.split("\n"))
    fence: Fence | None = None
    fence_marker = ""
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if paragraph:
            doc.paragraphs.append((paragraph[0][0], "\n".join(t for _, t in paragraph)))
            paragraph.clear()

    for number, line in enumerate(doc.lines, start=1):
        if fence is not None:
            stripped = line.strip()
            if (
                stripped.startswith(fence_marker[0] * len(fence_marker))
                and set(stripped) == {fence_marker[0]}
            ):
                fence = None
            else:
                fence.lines.append((number, line))
            continue
        opened = FENCE_OPEN.match(line)
        if opened:
            flush()
            fence_marker = opened.group(1) or opened.group(3)
            fence = Fence((opened.group(2) or opened.group(4) or "").lower(), [])
            doc.fences.append(fence)
            continue
        if not line.strip():
            flush()
            continue
        heading = ATX_HEADING.match(line)
        if heading:
            flush()
            doc.headings.append(heading.group(2) or "")
            doc.paragraphs.append((number, line))
            continue
        if SETEXT_UNDERLINE.match(line) and paragraph and not TABLE_ROW.match(paragraph[-1][1]):
            # The paragraph so far is a setext heading ('---' after a blank line is a rule).
            doc.headings.append(" ".join(t.strip() for _, t in paragraph))
            flush()
            continue
        if TABLE_ROW.match(line):
            # Each table row stands alone: a code span never crosses rows.
            flush()
            doc.paragraphs.append((number, line))
            continue
        paragraph.append((number, line))
    flush()

    for first, para in doc.paragraphs:
        is_table = bool(TABLE_ROW.match(para))
        masked = list(para)
        for start, end, content in code_spans(para):
            if is_table:
                content = content.replace("\\|", "|")
            doc.spans.append(Span(first + para.count("\n", 0, start), content))
            for i in range(start, end):
                if masked[i] != "\n":
                    masked[i] = " "
        plain = "".join(masked)
        for match in INLINE_LINK.finditer(plain):
            target = match.group(1) if match.group(1) is not None else match.group(2)
            doc.links.append((first + plain.count("\n", 0, match.start()), target))
        for match in HTML_LINK.finditer(plain):
            doc.links.append((first + plain.count("\n", 0, match.start()), match.group(1)))
        for match in HTML_ID.finditer(plain):
            doc.html_ids.add(match.group(1))
        for offset, line in enumerate(para.split("\n")):
            definition = REF_DEFINITION.match(line)
            if definition and not line.lstrip().startswith("[!"):
                doc.links.append((first + offset, definition.group(2)))
    return doc


def code_spans(text: str) -> list[tuple[int, int, str]]:
    """The inline code spans of a paragraph, CommonMark style: (start, end, content)."""
    spans = []
    runs = [m for m in re.finditer(r"`+", text) if not is_escaped(text, m.start())]
    i = 0
    while i < len(runs):
        opening = runs[i]
        closing_index = next(
            (j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opening.group())),
            None,
        )
        if closing_index is None:
            i += 1
            continue
        closing = runs[closing_index]
        content = text[opening.end() : closing.start()].replace("\n", " ")
        if len(content) > 2 and content[0] == " " and content[-1] == " " and content.strip():
            content = content[1:-1]
        spans.append((opening.start(), closing.end(), content))
        i = closing_index + 1
    return spans


def is_escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (before numbering repeated ones)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    text = re.sub(r"(\*+|(?<!\w)_+|_+(?!\w))", "", text)  # emphasis markers
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors_of(doc: Doc) -> set[str]:
    anchors: set[str] = set(a.lower() for a in doc.html_ids)
    seen: dict[str, int] = {}
    for heading in doc.headings:
        slug = github_slug(heading)
        if slug in seen:
            seen[slug] += 1
            anchors.add(f"{slug}-{seen[slug]}")
        else:
            seen[slug] = 0
            anchors.add(slug)
    return anchors


# --- the repository ------------------------------------------------------------------------


class Repo:
    def __init__(self, root: Path):
        self.root = root
        out = git(root, "ls-files", "-s", "-z")
        self.modes: dict[str, str] = {}
        for entry in filter(None, out.split("\0")):
            meta, path = entry.split("\t", 1)
            self.modes[path] = meta.split()[0]
        self.tracked = set(self.modes)
        self.tracked_dirs: set[str] = {""}
        for path in self.tracked:
            parts = path.split("/")
            for n in range(1, len(parts)):
                self.tracked_dirs.add("/".join(parts[:n]))
        self._docs: dict[str, Doc] = {}
        self._anchors: dict[str, set[str]] = {}
        self._workspaces: dict[str, Workspace] = {}

    def markdown_files(self) -> list[str]:
        out = git(self.root, "ls-files", "-z", "--", "*.md")
        files = []
        for path in filter(None, out.split("\0")):
            if SKIPPED_DIRS.intersection(path.split("/")[:-1]):
                continue
            if (self.root / path).is_file():
                files.append(path)
        return sorted(files)

    def doc(self, rel: str) -> Doc:
        if rel not in self._docs:
            self._docs[rel] = read_doc(self.root, rel)
        return self._docs[rel]

    def anchors(self, rel: str) -> set[str]:
        if rel not in self._anchors:
            self._anchors[rel] = anchors_of(self.doc(rel))
        return self._anchors[rel]

    def workspace(self, manifest: str = "Cargo.toml") -> Workspace:
        if manifest not in self._workspaces:
            self._workspaces[manifest] = Workspace(self.root, manifest)
        return self._workspaces[manifest]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


class Workspace:
    """The packages of a Cargo workspace (or of a lone package), read from the manifests."""

    TARGET_DIRS = {"example": "examples", "bench": "benches", "test": "tests", "bin": "src/bin"}

    def __init__(self, root: Path, manifest: str):
        self.root = root
        self.packages: dict[str, tuple[Path, dict]] = {}
        path = root / manifest
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        base = path.parent
        members: list[Path] = []
        workspace = data.get("workspace", {})
        excluded = {(base / e).resolve() for e in workspace.get("exclude", [])}
        for pattern in workspace.get("members", []):
            for match in sorted(glob.glob(str(base / pattern))):
                member = Path(match).resolve()
                if member not in excluded and (member / "Cargo.toml").is_file():
                    members.append(member)
        if "package" in data:
            members.insert(0, base.resolve())
        for member in members:
            member_data = tomllib.loads((member / "Cargo.toml").read_text(encoding="utf-8"))
            name = member_data.get("package", {}).get("name")
            if name:
                self.packages[name] = (member, member_data)

    def has_target(self, package: str, kind: str, name: str) -> bool:
        folder, data = self.packages[package]
        if any(t.get("name") == name for t in data.get(kind, [])):
            return True
        if kind == "bin" and name == package and (folder / "src/main.rs").is_file():
            return True
        directory = folder / self.TARGET_DIRS[kind]
        return (directory / f"{name}.rs").is_file() or (directory / name / "main.rs").is_file()


# --- problems ------------------------------------------------------------------------------


class Problems:
    def __init__(self) -> None:
        self.items: set[tuple[str, int, str]] = set()

    def add(self, path: str, line: int, message: str) -> None:
        self.items.add((path, line, message))

    def report(self) -> None:
        for path, line, message in sorted(self.items):
            print(f"{path}:{line}: {message}")


# --- check 1: links ------------------------------------------------------------------------

EXTERNAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
# A source file named in inline code: `client/src/deploy.rs`, `tests/cli.rs` (relative paths with
# a folder and a source extension; build outputs, globs and placeholders do not match).
SOURCE_PATH = re.compile(
    r"^(?:\./)?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\.(?:rs|toml|md|sh|py|scale|hbs)$"
)


def check_links(repo: Repo, doc: Doc, problems: Problems) -> int:
    checked = 0
    for line, target in doc.links:
        target = target.strip()
        if not target or EXTERNAL.match(target):
            continue
        checked += 1
        path_part, _, anchor = target.partition("#")
        path_part = urllib.parse.unquote(path_part.split("?", 1)[0])
        anchor = urllib.parse.unquote(anchor)
        if path_part:
            resolved = resolve(repo, doc.path, path_part)
            if resolved is None:
                problems.add(doc.path, line, f"link `{target}` leaves the repository")
                continue
            if resolved in repo.tracked:
                pass
            elif resolved in repo.tracked_dirs:
                if anchor:
                    problems.add(doc.path, line, f"link `{target}`: an anchor on a folder")
                continue
            elif (repo.root / resolved).exists():
                problems.add(
                    doc.path,
                    line,
                    f"link `{target}`: {resolved} is not tracked by git (a clone lacks it)",
                )
                continue
            else:
                problems.add(doc.path, line, f"link `{target}`: no file {resolved}")
                continue
        else:
            resolved = doc.path
        if anchor and resolved.endswith(".md"):
            if anchor.lower() not in repo.anchors(resolved):
                where = "this file" if resolved == doc.path else resolved
                problems.add(doc.path, line, f"link `{target}`: no heading #{anchor} in {where}")
    for span in doc.spans:
        text = span.text.strip()
        if re.match(r"^\.\.?/\S*$", text) or re.match(r"^\S*/\.\./\S*$", text):
            if resolve(repo, doc.path, text) is None:
                problems.add(doc.path, span.line, f"path `{text}` leaves the repository")
                continue
        if SOURCE_PATH.match(text) and not SCRIPT.fullmatch(text):
            checked += 1
            folder = os.path.dirname(doc.path)
            candidates = [resolve(repo, "", text), resolve(repo, doc.path, text)]
            candidates.append(resolve(repo, doc.path, os.path.join("src", text)))
            if not any(c in repo.tracked for c in candidates if c is not None):
                places = f"the root, {folder}/ or {folder}/src/" if folder else "the root"
                problems.add(doc.path, span.line, f"path `{text}`: no such file (from {places})")
    return checked


def resolve(repo: Repo, doc_path: str, target: str) -> str | None:
    """The target's path relative to the repository root, or None when it leaves it."""
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = os.path.join(os.path.dirname(doc_path), target)
    normal = os.path.normpath(joined)
    if normal == ".":
        return ""
    if normal == ".." or normal.startswith("../") or os.path.isabs(normal):
        return None
    return normal.replace(os.sep, "/")


# --- commands in the docs ------------------------------------------------------------------

SEPARATORS = {"|", "||", "&&", ";", "&"}
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def shell_lines(fence: Fence) -> list[tuple[int, str]]:
    """A shell fence's logical lines: continuations joined, prompts and comments removed."""
    result = []
    pending: list[str] = []
    start = 0
    for number, line in fence.lines:
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending)
        pending = []
        result.append((start, joined))
    if pending:
        result.append((start, " ".join(part.strip() for part in pending)))
    return [(n, strip_prompt(t)) for n, t in result if strip_prompt(t)]


def strip_prompt(line: str) -> str:
    line = line.strip()
    if line.startswith("$ ") or line == "$":
        line = line[1:].strip()
    return strip_comment(line)


def strip_comment(line: str) -> str:
    """The line without a shell comment ('#' at the start of a word, outside quotes)."""
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line


def split_commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line, as words (quotes kept), redirections dropped."""
    lexer = shlex.shlex(line, posix=False)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError:
        words = line.split()
    commands: list[list[str]] = [[]]
    redirected = False
    for word in words:
        if word in SEPARATORS:
            commands.append([])
            redirected = False
        elif re.match(r"^\d*[<>]", word):
            redirected = True  # the rest of this command is a redirection target
        elif not redirected:
            commands[-1].append(word)
    result = []
    for command in commands:
        while command and ENV_ASSIGNMENT.match(command[0]):
            command = command[1:]
        if command:
            result.append(command)
    return result


def command_texts(doc: Doc) -> list[tuple[int, str, bool]]:
    """(line, shell text, from a code span) for every shell fence line and every code span."""
    texts = []
    for fence in doc.fences:
        if fence.lang in SHELL_LANGS:
            texts.extend((n, t, False) for n, t in shell_lines(fence))
    texts.extend((span.line, span.text.strip(), True) for span in doc.spans)
    return texts


# --- check 2: the binaries' commands -------------------------------------------------------

SUBCOMMAND_WORD = re.compile(r"^[a-z][a-z0-9_-]*(?:\|[a-z][a-z0-9_-]*)*$")
LONG_FLAG = re.compile(r"(?<![\w-])--([A-Za-z0-9][A-Za-z0-9-]*)")


@dataclass
class Invocation:
    path: str
    line: int
    binary: str
    words: list[str]  # subcommand words, alternatives still joined with '|'
    flags: list[str]
    text: str


def binary_of(word: str) -> str | None:
    if word in BINARIES:
        return word
    if "/" in word and word.rsplit("/", 1)[1] in BINARIES:
        return word.rsplit("/", 1)[1]  # ./target/release/nubes, $CARGO_TARGET_DIR/release/...
    return None


def invocations(doc: Doc) -> list[Invocation]:
    found = []
    for line, text, from_span in command_texts(doc):
        if from_span and not any(text == b or text.startswith(b + " ") for b in BINARIES):
            continue
        for command in split_commands(text):
            binary = binary_of(command[0])
            if binary is None:
                continue
            words = []
            for word in command[1:]:
                if not SUBCOMMAND_WORD.match(word):
                    break  # an option, placeholder, path, number or quoted string
                words.append(word)
            arguments = " ".join(command[1:])
            end_of_options = re.search(r"(?:^| )--(?: |$)", arguments)
            if end_of_options:
                arguments = arguments[: end_of_options.start()]
            flags = list(dict.fromkeys(LONG_FLAG.findall(arguments)))
            found.append(Invocation(doc.path, line, binary, words, flags, " ".join(command)))
    return found


class Helps:
    """Runs `<binary> <words> --help` once per command and keeps the answer."""

    def __init__(self, paths: dict[str, str]):
        self.paths = paths
        self.cache: dict[tuple[str, tuple[str, ...]], tuple[int, str]] = {}

    def get(self, binary: str, words: tuple[str, ...]) -> tuple[int, str]:
        key = (binary, words)
        if key not in self.cache:
            argv = [self.paths[binary], *words, "--help"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("NUBES_")}
            env.update(NO_COLOR="1", COLUMNS="200", RUST_LOG="error")
            try:
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=HELP_TIMEOUT_S,
                    env=env,
                )
                self.cache[key] = (done.returncode, done.stdout + done.stderr)
            except subprocess.TimeoutExpired:
                self.cache[key] = (-1, f"timed out after {HELP_TIMEOUT_S} s")
            except OSError as error:
                self.cache[key] = (-1, str(error))
        return self.cache[key]


def has_flag(help_text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-])--{re.escape(flag)}(?![\w-])", help_text) is not None


def check_invocation(call: Invocation, helps: Helps, problems: Problems) -> None:
    top_status, top_help = helps.get(call.binary, ())
    alternatives = [word.split("|") for word in call.words]
    helps_found = []
    for words in itertools.product(*alternatives):
        status, text = helps.get(call.binary, tuple(words))
        shown = " ".join([call.binary, *words, "--help"])
        if status != 0:
            first = next((l.strip() for l in text.splitlines() if l.strip()), "no output")
            problems.add(
                call.path,
                call.line,
                f"`{call.text}`: `{shown}` exits with status {status} ({first})",
            )
        else:
            helps_found.append(text)
    if not helps_found and call.words:
        return  # the subcommand is already reported; its flags cannot be checked
    if top_status == 0:
        helps_found.append(top_help)
    for flag in call.flags:
        if not any(has_flag(text, flag) for text in helps_found):
            command = " ".join([call.binary, *call.words])
            problems.add(
                call.path,
                call.line,
                f"`{call.text}`: `--{flag}` is not an option of `{command}` (not in its --help)",
            )


# --- check 3: scripts and cargo packages ---------------------------------------------------

SCRIPT = re.compile(r"(?<![\w./-])(?:\./)?scripts/([A-Za-z0-9_.-]+\.sh)(?![\w.-])")
CARGO_SUBCOMMANDS = {"test", "run", "bench", "build", "check"}
TARGET_OPTIONS = {"--example": "example", "--bench": "bench", "--test": "test", "--bin": "bin"}


def check_scripts(repo: Repo, doc: Doc, problems: Problems) -> int:
    checked = 0
    for number, line in enumerate(doc.lines, start=1):
        for match in SCRIPT.finditer(line):
            checked += 1
            rel = f"scripts/{match.group(1)}"
            path = repo.root / rel
            if not path.is_file():
                problems.add(doc.path, number, f"`{match.group()}`: no such script")
            elif rel not in repo.tracked:
                problems.add(doc.path, number, f"`{match.group()}` is not tracked by git")
            elif not os.access(path, os.X_OK):
                problems.add(doc.path, number, f"`{match.group()}` is not executable")
            elif repo.modes.get(rel) != "100755":
                problems.add(
                    doc.path,
                    number,
                    f"`{match.group()}` is not executable in git's index "
                    f"(git update-index --chmod=+x {rel})",
                )
    return checked


def check_cargo(repo: Repo, doc: Doc, problems: Problems) -> int:
    checked = 0
    for line, text, _ in command_texts(doc):
        for command in split_commands(text):
            words = [w for w in command if not w.startswith("+")]  # cargo +toolchain
            if len(words) < 2 or words[0] != "cargo" or words[1] not in CARGO_SUBCOMMANDS:
                continue
            checked += 1
            shown = " ".join(command)
            packages: list[str] = []
            targets: list[tuple[str, str]] = []
            manifest = "Cargo.toml"
            options = iter(words[2:])
            for word in options:
                if word == "--":
                    break
                option, equals, value = word.partition("=")
                if option in ("-p", "--package", "--manifest-path", *TARGET_OPTIONS) and not equals:
                    value = next(options, "")
                elif option.startswith("-p") and len(option) > 2 and not option.startswith("--"):
                    option, value = "-p", option[2:]
                if option in ("-p", "--package"):
                    packages.append(value.split("@")[0])
                elif option == "--manifest-path":
                    manifest = value
                elif option in TARGET_OPTIONS:
                    targets.append((TARGET_OPTIONS[option], value))
            if manifest != "Cargo.toml":
                rel = resolve(repo, "", manifest)
                if rel is None or not (repo.root / rel).is_file():
                    problems.add(doc.path, line, f"`{shown}`: no manifest {manifest}")
                    continue
                manifest = rel
            workspace = repo.workspace(manifest)
            known = [p for p in packages if p in workspace.packages]
            for package in packages:
                if package not in workspace.packages:
                    problems.add(
                        doc.path, line, f"`{shown}`: `{package}` is not a package of the workspace"
                    )
            if packages and not known:
                continue
            candidates = known or list(workspace.packages)
            for kind, name in targets:
                if not any(workspace.has_target(p, kind, name) for p in candidates):
                    owner = " or ".join(f"`{p}`" for p in known) if known else "any package"
                    problems.add(doc.path, line, f"`{shown}`: {owner} has no {kind} `{name}`")
    return checked


# --- check 5: dashboards -------------------------------------------------------------------

# Each example Grafana dashboard and the guide whose metrics table it draws from.
DASHBOARDS = {
    "docs/dashboards/provider.json": "docs/guide-provider.md",
    "docs/dashboards/validator.json": "docs/guide-validator.md",
}
METRIC_NAME = re.compile(r"\b((?:nubes|substrate)_[a-z0-9_]+)\b")


def check_dashboards(repo: Repo, problems: Problems) -> int:
    """Every dashboard parses and queries only metrics its guide lists (in backticks)."""
    checked = 0
    for dashboard, guide in DASHBOARDS.items():
        try:
            panels = json.loads((repo.root / dashboard).read_text())["panels"]
        except (OSError, ValueError, KeyError) as error:
            problems.add(dashboard, 1, f"not a Grafana dashboard: {error}")
            continue
        listed = (repo.root / guide).read_text()
        for panel in panels:
            for target in panel.get("targets", []):
                for name in METRIC_NAME.findall(target.get("expr", "")):
                    checked += 1
                    if f"`{name}" not in listed:
                        problems.add(
                            dashboard, 1, f"panel `{panel.get('title')}` queries `{name}`, "
                            f"which {guide} does not list"
                        )
    return checked


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    here = Path(__file__).resolve().parent
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/nubes/target"))
    parser = argparse.ArgumentParser(
        description="Check that the Markdown docs match the code (links, commands, scripts).",
    )
    parser.add_argument("--root", type=Path, help="repository root (default: this script's)")
    parser.add_argument(
        "--links-only",
        action="store_true",
        help="check links, scripts and cargo packages only; no binary needed",
    )
    for binary in BINARIES:
        parser.add_argument(
            f"--{binary}",
            metavar="PATH",
            default=str(target / "release" / binary),
            help=f"the {binary} binary (default: $CARGO_TARGET_DIR/release/{binary})",
        )
    parser.add_argument("-v", "--verbose", action="store_true", help="print what was checked")
    args = parser.parse_args()
    started = time.monotonic()

    try:
        root = args.root or Path(git(here, "rev-parse", "--show-toplevel").strip())
        repo = Repo(root.resolve())
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"check-docs: not a git work tree: {error}", file=sys.stderr)
        return 2

    paths = {b: getattr(args, b.replace("-", "_")) for b in BINARIES}
    if not args.links_only:
        missing = [p for p in paths.values() if not os.access(p, os.X_OK) or os.path.isdir(p)]
        if missing:
            print(
                "check-docs: missing binaries: "
                + ", ".join(missing)
                + f"\nBuild them with `{BUILD_COMMAND}` (as scripts/test.sh does),"
                " or run with --links-only to check only links, scripts and packages.",
                file=sys.stderr,
            )
            return 2

    problems = Problems()
    counts = {
        "files": 0,
        "links and paths": 0,
        "scripts": 0,
        "cargo commands": 0,
        "commands": 0,
        "dashboard queries": 0,
    }
    calls: list[Invocation] = []
    for rel in repo.markdown_files():
        doc = repo.doc(rel)
        counts["files"] += 1
        counts["links and paths"] += check_links(repo, doc, problems)
        counts["scripts"] += check_scripts(repo, doc, problems)
        counts["cargo commands"] += check_cargo(repo, doc, problems)
        calls.extend(invocations(doc))

    counts["dashboard queries"] = check_dashboards(repo, problems)

    helps = Helps(paths)
    if not args.links_only:
        for call in calls:
            if args.verbose:
                print(f"{call.path}:{call.line}: {call.text}", file=sys.stderr)
            check_invocation(call, helps, problems)
        counts["commands"] = len(calls)
    elif args.verbose:
        for call in calls:
            print(f"{call.path}:{call.line}: (not checked) {call.text}", file=sys.stderr)

    problems.report()
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    if not args.links_only:
        summary += f", {len(helps.cache)} --help runs"
    elapsed = time.monotonic() - started
    if problems.items:
        print(f"check-docs: {len(problems.items)} problem(s) ({summary}; {elapsed:.1f} s)")
        return 1
    scope = "links, scripts and packages" if args.links_only else "links, commands, scripts"
    print(f"check-docs: {scope} ok ({summary}; {elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
