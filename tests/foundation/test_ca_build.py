"""Behind the TLS-intercepting proxy, pip in a build works with the host's CA bundle, and the
bundle stays in the builder stage: the final image does not contain it."""

from __future__ import annotations

import hashlib
import tarfile

import pytest
from docker.errors import NotFound

from dockdjango.engine.build import build_image
from dockdjango.errors import BuildError
from dockdjango.images.ca import BUILD_PATH, builder_stage_lines, context_files, find_ca_bundle
from dockdjango.images.context import make_context

pytestmark = pytest.mark.engine

PIP = "/opt/venv/bin/pip install --no-cache-dir --retries 0 --timeout 20 six==1.16.0"


def dockerfile(base: str, ca_lines: list[str]) -> str:
    return "\n".join(
        [
            f"FROM {base} AS builder",
            *ca_lines,
            f"RUN python3 -m venv /opt/venv && {PIP}",
            f"FROM {base}",
            "COPY --from=builder /opt/venv /opt/venv",
            'CMD ["/opt/venv/bin/python", "-c", "import six; print(six.__version__)"]',
            "",
        ]
    )


@pytest.fixture(scope="module")
def bundle():
    found = find_ca_bundle()
    if found is None:
        pytest.skip("this host configures no CA bundle (no proxy to get through)")
    return found


def test_pip_build_uses_bundle_only_in_builder_stage(
    engine, base_image, bundle, unique_name, cleanup_images
):
    files = {"Dockerfile": dockerfile(base_image, builder_stage_lines(bundle)).encode()}
    files.update(context_files(bundle))
    tag = f"dockdjango-test/{unique_name}:ca"
    cleanup_images.append(tag)
    result = build_image(engine, make_context(None, extra_files=files), tag=tag, nocache=True)
    assert any(
        "Successfully installed six-1.16.0" in line for s in result.steps for line in s.output
    )

    image = engine.images.get(tag)
    env = image.attrs["Config"].get("Env") or []
    assert not any(e.startswith(("PIP_CERT=", "SSL_CERT_FILE=")) for e in env)

    container = engine.containers.create(tag, name=unique_name, labels={"org.dockdjango.test": "1"})
    try:
        container.start()
        assert container.wait(timeout=60)["StatusCode"] == 0
        assert container.logs().decode().strip() == "1.16.0"
        with pytest.raises(NotFound):
            container.get_archive(BUILD_PATH)
        # Not at another path either: no file in the final file system has the bundle's bytes.
        wanted = hashlib.sha256(bundle.read_bytes()).hexdigest()
        size = bundle.stat().st_size
        stream = _IterReader(container.export())
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.isreg() and member.size == size:
                    fh = tar.extractfile(member)
                    assert fh is not None
                    assert hashlib.sha256(fh.read()).hexdigest() != wanted, member.name
    finally:
        container.remove(force=True)


def test_without_the_bundle_pip_fails_on_the_certificate(
    engine, base_image, unique_name, cleanup_images
):
    context = make_context(None, extra_files={"Dockerfile": dockerfile(base_image, []).encode()})
    with pytest.raises(BuildError) as err:
        build_image(engine, context, tag=f"dockdjango-test/{unique_name}:noca", nocache=True)
    cleanup_images.append(f"dockdjango-test/{unique_name}:noca")
    assert "pip install" in str(err.value)
    assert any("CERTIFICATE_VERIFY_FAILED" in line or "SSL" in line for line in err.value.output)


class _IterReader:
    """A file-like view of a byte-chunk iterator, for streaming tar reads."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out
