"""Electronic contract signing: the contract and the explanation of important matters in one PDF,
signed once (PAdES) with the signer's certificate from the company's CA and an RFC 3161 timestamp."""
