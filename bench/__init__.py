"""The benchmark: ``python -m bench.load`` fills a shop, ``python -m bench.run`` measures it."""
