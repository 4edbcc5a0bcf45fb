"""The OpenAPI document: FastAPI's, plus what the submission route parses itself.

``POST /v1/proofs`` reads its body by hand (a proof or a batch, size and
nesting bounded, errors in the contract's ``field: message`` form), so
FastAPI cannot see its shape; it is added here from the same pydantic models
that validate it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from verifier.models import Proof


class ProofBatch(BaseModel):
    proofs: list[Proof] = Field(min_length=1)


class Accepted(BaseModel):
    id: str
    status: str = Field(description="pending until decided; then approved, flagged or rejected")
    status_url: str
    duplicate: bool = Field(description="true when this id was already stored (same content)")


class AcceptedBatch(BaseModel):
    proofs: list[Accepted]


class Error(BaseModel):
    error: str
    errors: list[str] = Field(default_factory=list,
                              description="one `field: message` line per problem")


_ERRORS = {
    "400": "the body is not JSON, or nested too deep",
    "401": "missing, invalid or revoked token",
    "404": "no such proof for this token's marketplace",
    "409": "the id was already submitted with different content",
    "413": "the body is over the configured limit",
    "422": "a proof is invalid; `errors` names each field",
}


def _error_responses(codes: list[str]) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Error"}
    return {c: {"description": _ERRORS[c], "content": {"application/json": {"schema": ref}}}
            for c in codes}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        template = "#/components/schemas/{model}"
        for model in (Proof, ProofBatch, Accepted, AcceptedBatch, Error):
            schema = model.model_json_schema(ref_template=template)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        post = doc["paths"]["/v1/proofs"]["post"]
        post.pop("x-body", None)
        post["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": template.format(model="Proof")},
                      {"$ref": template.format(model="ProofBatch")}]}}}}
        post["responses"] = {
            "202": {"description": "accepted (or already stored): where to read the verdict",
                    "content": {"application/json": {"schema": {"oneOf": [
                        {"$ref": template.format(model="Accepted")},
                        {"$ref": template.format(model="AcceptedBatch")}]}}}},
            **_error_responses(["400", "401", "409", "413", "422"]),
        }
        get = doc["paths"]["/v1/proofs/{proof_id}"]["get"]
        get["responses"].pop("422", None)
        get["responses"].update(_error_responses(["401", "404"]))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
