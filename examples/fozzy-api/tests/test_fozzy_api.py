"""Unit tests of the reference Fozzy API: the app itself through FastAPI's TestClient, and the
gunicorn settings the image starts with."""

import os
import runpy
import sys

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from fastapi.testclient import TestClient  # noqa: E402

from fozzy_api import main  # noqa: E402

client = TestClient(main.app)


def test_health_answers_200():
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_recommendations_return_the_best_n_sorted():
    answer = client.get("/recommendations", params={"q": "dry mineral fresh", "limit": 7})
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == main.CATALOGUE_SIZE
    scores = [wine["score"] for wine in body["wines"]]
    assert len(scores) == 7 and scores == sorted(scores, reverse=True)
    # the best is the best of the whole catalogue
    profile = main.query_profile("dry mineral fresh")
    assert body["wines"][0]["score"] == round(max(main.score(wine, profile, None) for wine in main.WINES), 4)


def test_query_words_move_the_ranking():
    sweet = client.get("/recommendations", params={"q": "sweet", "limit": 5}).json()["wines"]
    dry = client.get("/recommendations", params={"q": "dry", "limit": 5}).json()["wines"]
    sweetness = main.DIMENSIONS.index("sweetness")
    assert min(main.WINES[w["id"]]["profile"][sweetness] for w in sweet) > max(
        main.WINES[w["id"]]["profile"][sweetness] for w in dry)


def test_budget_and_grape_filter():
    wines = client.get("/recommendations", params={"q": "bold", "max_price": 20, "grape": "syrah"}).json()["wines"]
    assert wines and all(wine["grape"] == "syrah" and wine["price"] <= 20 for wine in wines)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 51}, {"max_price": -1}, {"q": "x" * 201}])
def test_bad_parameters_answer_422(params):
    assert client.get("/recommendations", params=params).status_code == 422


def test_same_catalogue_in_every_worker():
    assert main._catalogue(50) == main._catalogue(50)


def test_gunicorn_settings_of_the_image(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    settings = runpy.run_path(os.path.join(HERE, "gunicorn.conf.py"))
    assert settings["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert settings["worker_tmp_dir"] == "/dev/shm"
    assert settings["bind"] == ["0.0.0.0:8000"]
    assert settings["wsgi_app"] == "fozzy_api.main:app"
    assert settings["keepalive"] > 60  # above the ALB's default idle timeout


def test_gunicorn_honours_gunicorn_cmd_args(monkeypatch):
    """What the task definition sets in GUNICORN_CMD_ARGS wins over the image's config file."""
    from gunicorn.app.wsgiapp import WSGIApplication

    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--bind 0.0.0.0:9123 --workers 3 --keep-alive 80")
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", os.path.join(HERE, "gunicorn.conf.py")])
    application = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
    assert application.cfg.bind == ["0.0.0.0:9123"]
    assert application.cfg.workers == 3
    assert application.cfg.keepalive == 80
    assert application.cfg.worker_class_str == "uvicorn_worker.UvicornWorker"
