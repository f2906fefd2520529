"""The target file's export settings: which trust store judges the target's signatures, which episodes to export."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.resources import data_path
from conformance.target import TEST_PKI, TargetError, load_target

BASE = '[target]\nadapter = "reference"\nbase_url = "https://127.0.0.1:1"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return path


def test_without_settings_nothing_is_trusted_and_no_episode_named(tmp_path: Path) -> None:
    config = load_target(write(tmp_path, ""))
    assert config.trust is None and config.trust_store() is None
    assert config.export_encounters == ()


def test_test_pki_and_a_folder_relative_to_the_file(tmp_path: Path) -> None:
    config = load_target(write(tmp_path, f'trust = "{TEST_PKI}"\n[exports]\nencounters = ["a", "b"]\n'))
    store = config.trust_store()
    assert store is not None and store.anchors
    assert config.export_encounters == ("a", "b")
    (tmp_path / "trust").symlink_to(data_path("fixtures", "pki", "trust"))
    config = load_target(write(tmp_path, 'trust = "trust"\n'))
    assert config.trust == str((tmp_path / "trust").resolve())
    assert config.trust_store() is not None


@pytest.mark.parametrize("text", ['trust = 3\n', 'trust = ""\n', '[exports]\nencounters = "enc-1"\n',
                                  '[exports]\nencounters = [1]\n'])
def test_malformed_settings_are_configuration_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(TargetError) as info:
        load_target(write(tmp_path, text))
    assert info.value.message.vi and info.value.message.en


def test_a_missing_trust_folder_is_a_configuration_error(tmp_path: Path) -> None:
    config = load_target(write(tmp_path, 'trust = "nowhere"\n'))
    with pytest.raises(TargetError):
        config.trust_store()


def test_probe_parameters_from_the_target_file_override_the_criterion(tmp_path: Path) -> None:
    from datetime import date

    from conformance.criteria_model import ProbeRef
    from conformance.judge import run_probe
    from conformance.probe_api import ProbeContext, ProbeResult, ProbeSpec, passed

    seen: dict[str, object] = {}

    def echo(ctx: ProbeContext) -> ProbeResult:
        seen.update(ctx.params)
        return passed("ok", "ok")

    config = load_target(write(tmp_path, '[probes."demo.echo"]\nencounter = "enc-9"\n'))
    assert config.probe_params == {"demo.echo": {"encounter": "enc-9"}}

    class Sink:
        def add_file(self, name: str, content: bytes, media_type: str) -> str:
            return name

    class Criterion:
        id = "XX-01"

    ref = ProbeRef("demo.echo", {"encounter": "criterion", "other": 1})
    run_probe(ProbeSpec("demo.echo", echo, (), ""), ref, None, Criterion(), Sink(), date(2026, 1, 15),  # type: ignore[arg-type]
              30.0, config)
    assert seen == {"encounter": "enc-9", "other": 1}


def test_a_malformed_probes_table_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError):
        load_target(write(tmp_path, '[probes]\n"demo.echo" = 3\n'))
