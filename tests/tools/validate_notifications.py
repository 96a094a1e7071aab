#!/usr/bin/python3
"""Validates notification payloads against docs/notification.schema.json (JSON Schema draft
2020-12): validate_notifications.py SCHEMA FILE...  Exits 1 naming every violation, 0 when all
files are valid. Used by tests/notify/notification_schema_test.cc."""
import json
import sys

import jsonschema


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    failures = 0
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        for error in validator.iter_errors(document):
            failures += 1
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {location}: {error.message}")
    print(f"{len(sys.argv) - 2} documents, {failures} violations")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
