// Tests for CairnWireTests.
