"""``ebys-support sign``: files, naming, PIN sources, summary, subcommands, error exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fixtures.service import CliResult
from tests.signing.conftest import minimal_pdf, signer_infos

Cli = Callable[..., CliResult]


def _p12(pki: Any, name: str = "rsa") -> tuple[str, str]:
    s = pki.signer(name)
    path = s.p12 if isinstance(s.p12, Path) else None
    if path is None:
        path = Path(pki.dir) / f"{name}-cli.p12"
        path.write_bytes(s.p12)
    return str(path), s.p12_password


def test_sign_files_all_formats(cli: Cli, pki: Any, tmp_path: Path, openssl_verify: Any) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "yazi.txt").write_text("Merhaba")
    (src / "rapor.pdf").write_bytes(minimal_pdf())
    (src / "veri.xml").write_text("<a>1</a>")
    out = tmp_path / "out"
    p12, pw = _p12(pki)
    base = ["sign", "--pkcs12", p12, "--pin-stdin", "--out", str(out)]
    r = cli(*base[:1], str(src / "yazi.txt"), *base[1:], "--format", "cades", stdin=pw + "\n")
    assert r.exit_code == 0, r.stderr
    assert "1 signed, 0 failed" in r.stdout
    assert openssl_verify((out / "yazi.txt.imz").read_bytes()).returncode == 0
    r = cli(
        "sign", str(src / "yazi.txt"), "--detached", "--pkcs12", p12, "--out", str(out), env={"EBYS_PIN": pw}
    )
    assert r.exit_code == 0, r.stderr
    assert openssl_verify((out / "yazi.txt.p7s").read_bytes(), b"Merhaba").returncode == 0
    r = cli(
        "--lang",
        "tr",
        "sign",
        str(src / "rapor.pdf"),
        "--format",
        "pades",
        "--profile",
        "P2",
        "--tsa",
        pki.tsa_url,
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw + "\n",
    )
    assert r.exit_code == 0, r.stderr
    assert "1 dosya imzalandı" in r.stdout
    assert "İmza politikası: 2.16.792.1.61.0.1.5070.3.1.1 (SHA-256 ff39bd29" in r.stdout
    assert (out / "rapor.pdf").read_bytes().startswith(b"%PDF")
    r = cli(
        "--json",
        "sign",
        str(src / "veri.xml"),
        "--format",
        "xades",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw + "\n",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json()["signed"] == [{"input": str(src / "veri.xml"), "output": str(out / "veri.xml.xades.xml")}]
    assert pw not in r.stdout + r.stderr


def test_never_over_the_input(cli: Cli, pki: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(minimal_pdf())
    p12, pw = _p12(pki)
    before = pdf.read_bytes()
    r = cli(
        "sign",
        str(pdf),
        "--format",
        "pades",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(tmp_path),
        stdin=pw,
    )
    assert r.exit_code == 2
    assert "overwrite" in r.stderr
    assert pdf.read_bytes() == before


def test_failed_file_is_reported_and_nothing_written(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "iyi.pdf").write_bytes(minimal_pdf())
    (tmp_path / "bozuk.pdf").write_bytes(b"not a pdf")
    out = tmp_path / "out"
    p12, pw = _p12(pki)
    r = cli(
        "sign",
        str(tmp_path / "iyi.pdf"),
        str(tmp_path / "bozuk.pdf"),
        "--format",
        "pades",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw,
    )
    assert r.exit_code == 4
    assert "1 signed, 1 failed" in r.stdout
    assert sorted(p.name for p in out.iterdir()) == ["iyi.pdf"]


def test_pin_is_required(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    p12, _pw = _p12(pki)
    r = cli("sign", str(tmp_path / "a.txt"), "--pkcs12", p12, "--out", str(tmp_path / "o"))
    assert r.exit_code == 2
    r = cli(
        "sign",
        str(tmp_path / "a.txt"),
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(tmp_path / "o"),
        stdin="yanlis\n",
    )
    assert r.exit_code == 4
    assert "PKCS#12" in r.stderr


def test_token_signing(
    cli: Cli, pki: Any, softhsm: Any, token_factory: Any, tmp_path: Path, openssl_verify: Any
) -> None:
    tok = token_factory("cli")
    softhsm.import_signer(tok.label, pki.signer("ec"), key_id=b"\x01")
    (tmp_path / "a.txt").write_text("token")
    r = cli(
        "sign",
        str(tmp_path / "a.txt"),
        "--module",
        softhsm.module,
        "--token",
        tok.label,
        "--key-id",
        "01",
        "--pin-stdin",
        "--out",
        str(tmp_path / "o"),
        stdin=tok.user_pin + "\n",
    )
    assert r.exit_code == 0, r.stderr
    assert openssl_verify((tmp_path / "o" / "a.txt.imz").read_bytes()).returncode == 0
    r = cli(
        "sign",
        str(tmp_path / "a.txt"),
        "--module",
        softhsm.module,
        "--token",
        tok.label,
        "--key-id",
        "01",
        "--cert-label",
        "ec",
        "--pin-stdin",
        "--out",
        str(tmp_path / "o"),
        stdin=tok.user_pin + "\n",
    )
    assert r.exit_code == 2


def test_countersign_parallel_upgrade(cli: Cli, pki: Any, tmp_path: Path, openssl_verify: Any) -> None:
    (tmp_path / "a.txt").write_text("içerik")
    p12, pw = _p12(pki)
    ec, ecpw = _p12(pki, "ec")
    one = tmp_path / "1"
    r = cli(
        "sign",
        str(tmp_path / "a.txt"),
        "--profile",
        "P3",
        "--tsa",
        pki.tsa_url,
        "--detached",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(one),
        stdin=pw,
    )
    assert r.exit_code == 0, r.stderr
    sig = one / "a.txt.p7s"
    r = cli(
        "sign",
        "countersign",
        str(sig),
        "--pkcs12",
        ec,
        "--pin-stdin",
        "--out",
        str(tmp_path / "2"),
        stdin=ecpw,
    )
    assert r.exit_code == 0, r.stderr
    assert openssl_verify((tmp_path / "2" / "a.txt.p7s").read_bytes(), "içerik".encode()).returncode == 0
    r = cli(
        "sign",
        "add-parallel",
        str(sig),
        "--pkcs12",
        ec,
        "--pin-stdin",
        "--out",
        str(tmp_path / "3"),
        stdin=ecpw,
    )
    assert r.exit_code == 2  # detached: --content needed
    r = cli(
        "sign",
        "add-parallel",
        str(sig),
        "--content",
        str(tmp_path / "a.txt"),
        "--pkcs12",
        ec,
        "--pin-stdin",
        "--out",
        str(tmp_path / "3"),
        stdin=ecpw,
    )
    assert r.exit_code == 0, r.stderr
    assert len(signer_infos((tmp_path / "3" / "a.txt.p7s").read_bytes())) == 2
    r = cli("sign", "upgrade", str(sig), "--to", "P4", "--out", str(tmp_path / "4"))
    assert r.exit_code == 1
    assert "grace" in r.stderr
    assert not (tmp_path / "4" / "a.txt.p7s").exists()
    r = cli("sign", "upgrade", str(sig), "--out", str(one))
    assert r.exit_code == 2  # would overwrite the input


def test_visible_block_and_usage_errors(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(minimal_pdf(2))
    (tmp_path / "b.txt").write_text("x")
    p12, pw = _p12(pki)
    out = tmp_path / "o"
    r = cli(
        "sign",
        str(tmp_path / "a.pdf"),
        "--format",
        "pades",
        "--visible-page",
        "-1",
        "--visible-box",
        "40,40,300,110",
        "--title",
        "Bilgi İşlem Müdürü",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw,
    )
    assert r.exit_code == 0, r.stderr
    r = cli(
        "sign",
        str(tmp_path / "b.txt"),
        "--title",
        "x",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw,
    )
    assert r.exit_code == 2
    r = cli(
        "sign",
        str(tmp_path / "a.pdf"),
        "--format",
        "pades",
        "--visible-box",
        "1,2",
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(out),
        stdin=pw,
    )
    assert r.exit_code == 2


def test_module_required_and_key_or_label(cli: Cli, tmp_path: Path, monkeypatch: Any) -> None:
    import ebys_support.tokens.modules as modules

    monkeypatch.setattr(modules, "candidate_paths", lambda platform=None: [])
    (tmp_path / "a.txt").write_text("x")
    r = cli(
        "--json",
        "sign",
        str(tmp_path / "a.txt"),
        "--token",
        "kart",
        "--pin-stdin",
        "--out",
        str(tmp_path / "o"),
        stdin="1",
    )
    assert r.exit_code == 2
    assert r.json()["error"]["code"] == "signing.module_required"
    r = cli(
        "--json",
        "sign",
        str(tmp_path / "a.txt"),
        "--key-id",
        "01",
        "--cert-label",
        "x",
        "--pin-stdin",
        "--out",
        str(tmp_path / "o"),
        stdin="1",
    )
    assert r.json()["error"]["code"] == "signing.key_or_label"


def test_upgrade_pdf_inside_grace(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "d.pdf").write_bytes(minimal_pdf())
    p12, pw = _p12(pki)
    r = cli(
        "sign",
        str(tmp_path / "d.pdf"),
        "--format",
        "pades",
        "--profile",
        "P3",
        "--tsa",
        pki.tsa_url,
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(tmp_path / "1"),
        stdin=pw,
    )
    assert r.exit_code == 0, r.stderr
    r = cli("--json", "sign", "upgrade", str(tmp_path / "1" / "d.pdf"), "--out", str(tmp_path / "2"))
    assert r.exit_code == 1
    assert r.json()["error"]["code"] == "signing.grace_period_not_over"
    assert not (tmp_path / "2" / "d.pdf").exists()


def test_two_inputs_one_output(cli: Cli, tmp_path: Path) -> None:
    # Outputs keep the input's full name, so only two files of the same name (from two folders) collide.
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "a.txt").write_text(d)
    args = ("--json", "sign", str(tmp_path / "x" / "a.txt"), str(tmp_path / "y" / "a.txt"))
    r = cli(*args, "--out", str(tmp_path / "o"))
    assert r.exit_code == 2
    err = r.json()["error"]
    assert err["code"] == "signing.duplicate_output"
    assert err["details"]["path"] == str((tmp_path / "o" / "a.txt.imz").resolve())
    assert not (tmp_path / "o").exists()


# -- review: refusals before the PIN, explained refusals, summary names ---------------------------------


def test_impossible_requests_are_refused_before_the_pin(cli: Cli, pki: Any, tmp_path: Path) -> None:
    # No PIN is given at all: each refusal must come before the PIN would be asked for.
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.pdf").write_bytes(minimal_pdf())
    p12, _pw = _p12(pki)
    out = str(tmp_path / "o")
    r = cli("--json", "sign", str(tmp_path / "a.txt"), "--profile", "P2", "--pkcs12", p12, "--out", out)
    assert r.exit_code == 2
    assert r.json()["error"]["code"] == "signing.tsa_required"
    r = cli(
        "--json", "sign", str(tmp_path / "a.pdf"), "--format", "pades", "--level", "B-LT",
        "--tsa", pki.tsa_url, "--pkcs12", p12, "--out", out,
    )  # fmt: skip
    assert r.exit_code == 2
    err = r.json()["error"]
    assert (err["code"], err["details"]["reason"]) == ("signing.unsupported_profile", "pades_level")
    r = cli(
        "--lang", "tr", "sign", str(tmp_path / "a.txt"), "--format", "xades", "--profile", "P4",
        "--tsa", pki.tsa_url, "--pkcs12", p12, "--out", out,
    )  # fmt: skip
    assert r.exit_code == 2
    assert "XAdES olarak üretilmez" in r.stderr
    r = cli("--json", "sign", "countersign", str(tmp_path / "a.txt"), "--profile", "P3", "--out", out)
    assert r.json()["error"]["code"] == "signing.not_a_signature"
    assert not (tmp_path / "o").exists()


def test_parallel_and_countersign_checks_before_the_pin(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("içerik")
    (tmp_path / "b.txt").write_text("başka")
    p12, pw = _p12(pki)
    r = cli(
        "sign", str(tmp_path / "a.txt"), "--detached", "--pkcs12", p12, "--pin-stdin",
        "--out", str(tmp_path / "1"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "1 signed, 0 failed (CAdES P1)." in r.stdout
    sig = str(tmp_path / "1" / "a.txt.p7s")
    out = str(tmp_path / "2")
    r = cli("--json", "sign", "add-parallel", sig, "--pkcs12", p12, "--out", out)
    assert r.json()["error"]["code"] == "signing.content_required"
    r = cli(
        "--json",
        "sign",
        "add-parallel",
        sig,
        "--content",
        str(tmp_path / "b.txt"),
        "--pkcs12",
        p12,
        "--out",
        out,
    )
    assert r.json()["error"]["code"] == "signing.content_mismatch"
    r = cli("--json", "sign", "countersign", sig, "--profile", "P2", "--pkcs12", p12, "--out", out)
    assert r.json()["error"]["code"] == "signing.tsa_required"
    assert not (tmp_path / "2").exists()


def test_upgrade_of_p2_explains_why(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    p12, pw = _p12(pki)
    r = cli(
        "sign", str(tmp_path / "a.txt"), "--profile", "P2", "--tsa", pki.tsa_url, "--pkcs12", p12,
        "--pin-stdin", "--out", str(tmp_path / "1"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    sig = str(tmp_path / "1" / "a.txt.imz")
    r = cli("--lang", "tr", "sign", "upgrade", sig, "--out", str(tmp_path / "2"))
    assert r.exit_code == 2
    assert "Bu bir P2 (kısa dönemli) imza" in r.stderr
    assert "P3 (bekleme süresinden sonra yükseltilebilir) ya da P4" in r.stderr
    r = cli("--json", "sign", "upgrade", sig, "--to", "P3", "--out", str(tmp_path / "2"))
    assert r.json()["error"]["details"]["reason"] == "upgrade_target"
    assert not (tmp_path / "2").exists()


def test_bad_policy_hash_setting(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    r = cli(
        "--json", "sign", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
        env={"EBYS_SIGNING_POLICY_HASH": "abcd"},
    )  # fmt: skip
    assert r.exit_code == 5
    err = r.json()["error"]
    assert (err["code"], err["details"]["key"]) == ("config.invalid_value", "signing.policy_hash")


def test_upgrade_of_an_attached_signature_over_a_pdf(cli: Cli, pki: Any, tmp_path: Path) -> None:
    # An attached .imz of a PDF holds "%PDF-" near its start: it is still a CAdES signature.
    (tmp_path / "dilekce.pdf").write_bytes(minimal_pdf())
    p12, pw = _p12(pki)
    r = cli(
        "sign", str(tmp_path / "dilekce.pdf"), "--profile", "P3", "--tsa", pki.tsa_url, "--pkcs12", p12,
        "--pin-stdin", "--out", str(tmp_path / "1"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = cli(
        "--json", "sign", "upgrade", str(tmp_path / "1" / "dilekce.pdf.imz"), "--out", str(tmp_path / "2")
    )
    assert r.exit_code == 1
    assert r.json()["error"]["code"] == "signing.grace_period_not_over"


def test_countersign_shows_the_policy(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    p12, pw = _p12(pki)
    r = cli(
        "sign",
        str(tmp_path / "a.txt"),
        "--pkcs12",
        p12,
        "--pin-stdin",
        "--out",
        str(tmp_path / "1"),
        stdin=pw,
    )
    assert r.exit_code == 0, r.stderr
    r = cli(
        "--lang", "tr", "sign", "countersign", str(tmp_path / "1" / "a.txt.imz"), "--profile", "P3",
        "--tsa", pki.tsa_url, "--pkcs12", p12, "--pin-stdin", "--out", str(tmp_path / "2"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "Seri imza eklendi" in r.stdout
    assert "İmza politikası: 2.16.792.1.61.0.1.5070.3.2.1" in r.stdout


def test_batch_stops_when_the_tsa_is_down(cli: Cli, pki: Any, tmp_path: Path, dead_url: str) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(name)
    p12, pw = _p12(pki)
    files = [str(tmp_path / f"{n}.txt") for n in ("a", "b", "c")]
    r = cli(
        "--json", "sign", *files, "--profile", "P2", "--tsa", dead_url, "--pkcs12", p12, "--pin-stdin",
        "--out", str(tmp_path / "o"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 5
    body = r.json()
    assert [f["error"]["code"] for f in body["failed"]] == ["signing.tsa_unavailable"]
    assert body["not_attempted"] == files[1:]
    assert body["signed"] == []
    r = cli(
        "--lang", "tr", "sign", *files, "--profile", "P2", "--tsa", dead_url, "--pkcs12", p12, "--pin-stdin",
        "--out", str(tmp_path / "o"), stdin=pw,
    )  # fmt: skip
    assert "Durduruldu: kalan 2 dosya imzalanmadı" in r.stdout
    assert "0 dosya imzalandı, 1 dosya imzalanamadı (CAdES P2)." in r.stdout
    assert "İmza politikası" not in r.stdout  # nothing was signed under it
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_revoked_signer_is_named_plainly(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    p12, pw = _p12(pki, "revoked")
    r = cli(
        "--lang", "tr", "sign", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--profile", "P4",
        "--tsa", pki.tsa_url, "--pkcs12", p12, "--pin-stdin", "--out", str(tmp_path / "o"), stdin=pw,
    )  # fmt: skip
    assert r.exit_code == 1
    cn = pki.signer("revoked").cert.subject.native["common_name"]
    assert f"İmza sertifikası {cn} ({pki.signer('revoked').tckn}) iptal edilmiş (OCSP)" in r.stderr
    assert "Common Name" not in r.stderr
    assert "kalan 1 dosya imzalanmadı" in r.stdout
