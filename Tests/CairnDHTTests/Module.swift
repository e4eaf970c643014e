// Tests for CairnDHTTests.
