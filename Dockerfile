# fakeqpu as a service container: the fake IBM Quantum Platform and its control API on port 8080.
#   docker build -t fakeqpu . && docker run --rm -p 8080:8080 -e FAKEQPU_CONTROL_TOKEN=secret fakeqpu
# docs/server.md shows it as a GitHub Actions service. tests/server/test_cli.py runs the CMD below.
FROM python:3.11-slim
WORKDIR /opt/fakeqpu
COPY pyproject.toml README.md ./
COPY fakeqpu ./fakeqpu
RUN pip install --no-cache-dir '.[tls]'
EXPOSE 8080
# In a container, bind every interface so that the published port reaches the server. The control
# token comes from $FAKEQPU_CONTROL_TOKEN (set it in the service's env); unset, a random one is printed.
CMD ["fakeqpu", "serve", "--host", "0.0.0.0", "--port", "8080", "--seed", "1"]
