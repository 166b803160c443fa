"""Language models: a provider registry, the offline model and the scripted test model."""
