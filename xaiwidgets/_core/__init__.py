"""Shared machinery of every method (private, like Captum's ``_utils``): the probe and
collector, validation, the modality vocabulary and masker, task inference, the estimator
contract, the training loop, seeding and tree splits in words."""
