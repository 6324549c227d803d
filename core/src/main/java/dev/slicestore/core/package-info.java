package dev.slicestore.core;
