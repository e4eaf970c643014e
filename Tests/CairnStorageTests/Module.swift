// Tests for CairnStorageTests.
