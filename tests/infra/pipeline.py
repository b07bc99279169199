"""Read the Jenkinsfile's stages and ``sh`` steps, so tests can compare them with the rehearsal and the repo."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conftest import ROOT

JENKINSFILE = ROOT / "Jenkinsfile"
STAGE = re.compile(r"^\s*stage\('(?P<name>[^']+)'\)\s*\{", re.MULTILINE)
SH_STEP = re.compile(r"\bsh\s+'(?P<command>[^']*)'")
#: What a stage keeps after the build: archiveArtifacts and junit, with a comma-separated list of paths.
KEPT = re.compile(r"\b(?:archiveArtifacts artifacts|junit testResults):\s*(?P<quote>['\"])(?P<paths>[^'\"]*)(?P=quote)")


@dataclass(frozen=True)
class JenkinsStage:
    """One stage: its name, its source text, its ``sh`` commands in order and the files it keeps."""

    name: str
    body: str
    commands: tuple[str, ...]
    #: Paths from the workspace root, ``${env.TARGET_ENV}`` written as the shell's ``$TARGET_ENV``.
    kept: tuple[str, ...]


def jenkins_stages() -> list[JenkinsStage]:
    """The stages of the Jenkinsfile in order; each body runs to the next stage, the last to the pipeline's post."""
    text = JENKINSFILE.read_text()
    end = text.index("\n    post {")
    matches = list(STAGE.finditer(text, 0, end))
    stages = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        body = text[match.end() : following.start() if following else end]
        commands = tuple(m["command"] for m in SH_STEP.finditer(body))
        kept = tuple(
            path.strip().replace("${env.TARGET_ENV}", "$TARGET_ENV")
            for m in KEPT.finditer(body)
            for path in m["paths"].split(",")
        )
        stages.append(JenkinsStage(match["name"], body, commands, kept))
    return stages
