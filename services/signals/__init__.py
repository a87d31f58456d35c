"""The regional referral index (verwijsindex): signals, matches, match follow-up and the signal guide."""

__version__ = "0.1.0"
