"""Reading finished runs back: comparison tables and tests, paper tables, reproductions and ensembles."""
