// Tests for CairnIntegrationTests.
