"""Tracker packages: the contract (base), the registry, and one package per tracker."""
