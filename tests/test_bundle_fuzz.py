"""Hostile bundles: random bytes and random single-byte damage anywhere in bundle.zip never crash `hsba verify`,
and whenever it still says "intact and trusted", every file's content is exactly what was signed."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.report_set import write_report_set
from conformance.report_sign import demo_signing, load_signer
from conformance.trust import TrustStore
from conformance.verify_bundle import verify_bundle
from report_sample import output_folder


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("fuzz") / "out"
    data = write_report_set(out, output_folder(out), load_signer(demo_signing())).bundle.read_bytes()
    with zipfile.ZipFile(BytesIO(data)) as zf:
        return data, {n: zf.read(n) for n in zf.namelist()}


def _contents(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            return {n: zf.read(n) for n in zf.namelist()}
    except Exception:
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(min_value=0, max_value=1, exclude_max=True), mask=st.integers(min_value=1, max_value=255))
def test_damage_anywhere_is_caught_or_harmless(signed: tuple[bytes, dict[str, bytes]], tmp_path: Path, where: float,
                                               mask: int) -> None:
    data, original = signed
    damaged = bytearray(data)
    damaged[int(where * len(data))] ^= mask
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(damaged))
    check = verify_bundle(path, TrustStore.test_pki())  # never raises
    if check.ok:
        assert _contents(bytes(damaged)) == original  # only zip bookkeeping was hit, no signed byte changed


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=4096))
def test_random_bytes_are_a_failed_check(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "junk.zip"
    path.write_bytes(b"PK\x03\x04" + junk)
    assert not verify_bundle(path, None).ok
