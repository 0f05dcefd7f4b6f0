"""Explanation methods. Each module is one method (or one family); ``registry`` lists them."""
