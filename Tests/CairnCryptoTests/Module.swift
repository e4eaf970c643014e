// Tests for CairnCryptoTests.
