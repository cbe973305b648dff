"""Pure rules over small dataclasses: no database, no Qt. Services feed them and store results."""
