"""The deals protos follow the house rules (a stand-in for `buf lint` STANDARD + COMMENTS, which
is not installed here): every element commented, enum zero values `<ENUM>_UNSPECIFIED`, requests
named `<Method>Request`, every event message with `crm.common.v1.EventMeta meta = 1`."""

import pathlib
import re

import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[4]
FILES = sorted(
    p.relative_to(ROOT / "protos").as_posix()
    for p in (ROOT / "protos/crm/deals/v1").glob("*.proto")
)


@pytest.fixture(scope="module")
def descriptors(tmp_path_factory):
    out = tmp_path_factory.mktemp("protos") / "deals.pb"
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    code = protoc.main(
        [
            "protoc",
            f"-I{ROOT / 'protos'}",
            f"-I{include}",
            "--include_source_info",
            f"--descriptor_set_out={out}",
            *FILES,
        ]
    )
    assert code == 0
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file


def _commented(file):
    return {
        tuple(loc.path) for loc in file.source_code_info.location if loc.leading_comments.strip()
    }


def test_every_element_is_commented(descriptors):
    missing = []
    for file in descriptors:
        done = _commented(file)

        def need(path, name):
            if tuple(path) not in done:  # noqa: B023 - runs within this iteration
                missing.append(f"{file.name}: {name}")  # noqa: B023 - runs within this iteration

        def walk_message(msg, path, prefix):
            need(path, prefix)
            for i, f in enumerate(msg.field):
                need(path + [2, i], f"{prefix}.{f.name}")
            for i, e in enumerate(msg.enum_type):
                walk_enum(e, path + [4, i], f"{prefix}.{e.name}")
            for i, nested in enumerate(msg.nested_type):
                if not nested.options.map_entry:
                    walk_message(nested, path + [3, i], f"{prefix}.{nested.name}")

        def walk_enum(enum, path, prefix):
            need(path, prefix)
            for i, v in enumerate(enum.value):
                need(path + [2, i], f"{prefix}.{v.name}")

        for i, m in enumerate(file.message_type):
            walk_message(m, [4, i], m.name)
        for i, e in enumerate(file.enum_type):
            walk_enum(e, [5, i], e.name)
        for i, s in enumerate(file.service):
            need([6, i], s.name)
            for j, m in enumerate(s.method):
                need([6, i, 2, j], f"{s.name}.{m.name}")
    assert missing == []


def test_enum_zero_values_and_request_names(descriptors):
    for file in descriptors:
        enums = list(file.enum_type) + [e for m in file.message_type for e in m.enum_type]
        for enum in enums:
            prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper()
            assert enum.value[0].name == f"{prefix}_UNSPECIFIED" and enum.value[0].number == 0
            assert all(v.name.startswith(prefix + "_") for v in enum.value), enum.name
        for service in file.service:
            for method in service.method:
                assert method.input_type.endswith(f".{method.name}Request"), method.name


def test_every_event_message_starts_with_meta(descriptors):
    events = next(f for f in descriptors if f.name.endswith("/events.proto"))
    for message in events.message_type:
        if message.name == "AutomationCause":
            continue
        meta = message.field[0]
        assert (meta.name, meta.number, meta.type_name) == (
            "meta",
            1,
            ".crm.common.v1.EventMeta",
        ), message.name
