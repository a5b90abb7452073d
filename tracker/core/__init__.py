"""Domain layer: models, enums, errors and one module per job. No UI, no git."""
