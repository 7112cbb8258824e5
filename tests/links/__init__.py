"""Tests of the signed display links: minting, the command, the endpoint, through a real `coach serve`."""
