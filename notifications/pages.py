"""placeholder"""
from flask import Blueprint
bp = Blueprint("sms_pages", __name__)
