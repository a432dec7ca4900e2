"""dsvmctl: run the DSVM program offline against fakeazure (plan, and more to come)."""
