"""Shared test setup. mdmkit's pytest plugin (loaded from its entry point, as in a user's
project) supplies the fakes' fixtures and pins anyio's backend to asyncio, which aiohttp needs."""
